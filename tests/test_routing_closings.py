"""A closing thank-you points back at nothing: it is small talk of its own, never a follow-up that stays with the
previous tier (the persistence guide's scenario 3 ends local after a cloud answer with no forcing)."""

from __future__ import annotations

import pytest

from modules.routing.followups import looks_like_follow_up


@pytest.mark.parametrize(
    "closing", ["Thank you, that is all.", "Thanks, that is all.", "thx, that's it", "Bye, see you"]
)
def test_a_closing_is_not_a_follow_up(closing):
    assert not looks_like_follow_up(closing)


@pytest.mark.parametrize("turn", ["Thanks! Why is that?", "thanks, can you make it shorter?", "why?", "tell me more"])
def test_a_thank_you_with_a_question_about_the_answer_still_is(turn):
    assert looks_like_follow_up(turn)
