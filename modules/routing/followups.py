"""Follow-ups: does this turn depend on the previous answer, or is it a new question?

"why?", "tell me more", "and the second one?", "can you make it shorter?" only make sense with the previous
answer, so they stay with the tier that gave it. "and what's the capital of Peru?" or "so what is 2+2" start
like follow-ups but ask something new: they are routed on their own merits.

    detect_follow_up("can you make it shorter?")   # FollowUpCue(confident=True, cue="reworks 'it' ...")
    detect_follow_up("what does that do?")          # FollowUpCue(confident=False, ...): a pronoun, no more
    detect_follow_up("What is the next number in the sequence 2, 6, 18?")   # None: self-contained

Only a confident cue may move a turn to the previous answer's tier (modules/routing/router.py). A weak cue (a
pronoun in a short question, "the first ...") is reported but decided on the query's own score: "that" and "the
next" are ordinary words in self-contained questions. Precision and recall are measured on data/follow_ups.csv
(`python data/make_follow_ups.py`, tests/test_router_followups.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FollowUpCue", "detect_follow_up", "looks_like_follow_up", "MAX_FOLLOW_UP_WORDS"]

# The whole turn is a request to continue or rework the previous answer.
_CONTINUATION = re.compile(
    r"^\W*(why|why not|why is that|why so|how so|how come|go on|continue|keep going|more|say more|elaborate|really"
    r"|are you sure|again|details|examples?|an example|for example|such as|like what|and then|then what|and"
    r"|shorter|longer|simpler|in more detail|more details?|what else|anything else|and\W+why|is that (true|right"
    r"|correct|so)|what does (that|this|it) mean|what do you mean( by that)?|source|sources|proof)\W*$"
)
# The turn starts with a phrase that only makes sense after an answer.
_CONTINUATION_START = re.compile(
    r"^\W*(tell me more|what do you mean|what did you mean|expand on|elaborate on|more about|say more about"
    r"|explain (further|more|again)|go deeper|dig deeper|give me more|another (one|example)"
    r"|(can|could|would) you (please )?(explain (that|this|it|further|more)|expand|elaborate|clarify|continue"
    r"|rephrase (that|this|it)|shorten (that|this|it)|simplify (that|this|it)|summari[sz]e (that|this|it)"
    r"|translate (that|this|it)|repeat|give (me )?(an(other)? )?example))\b"
)
# Phrases that certainly point back at the previous answer ("the second one", "you said", "your code").
_REFERENCE = re.compile(
    r"\b(which one|that one|which of (them|those|these)|the last one|the other one"
    r"|the (first|second|third|fourth|fifth|last|other|above|previous|next|latter|former)"
    r" (one|ones|point|option|step|answer|part|idea|item|example|suggestion|bullet|approach|version)s?\b"
    r"|the (second|third|fourth|fifth|latter|former|above)\W*$"
    r"|the (full|whole|complete|rest of the|finished) (implementation|code|version|list|thing|story|program|script"
    r"|plan|answer|text|solution)"
    r"|you (just )?(said|mentioned|wrote|suggested|listed|gave|described)|as you said"
    r"|your (last |previous |first )?(answer|reply|response|list|code|example|point|suggestion|version|explanation))\b"
)
# "make it shorter", "translate that into German": a rework verb whose object is the previous answer.
_REWORK = re.compile(
    r"^\W*((can|could|would) you (please )?|please )?(make|rewrite|reword|shorten|simplify|translate|explain"
    r"|expand|fix|summari[sz]e|repeat|redo|improve|turn|convert|format|change|rephrase|condense|clarify|put)"
    r" (it|that|this|them|those)\b(?P<rest>[^.?!]*)"
)
# What may follow: "make it shorter", "translate it into German"; not "explain that the earth orbits the sun".
_REWORK_REST = re.compile(
    r"^\W*($|(into|to|in|for|as|again|please|more|less|a bit|a little|so|shorter|longer|simpler|clearer|funnier"
    r"|better|easier|friendlier|smaller|bigger|faster|formal|casual)\b)"
)
# Weak: a pronoun that may point back ("what does that do?"), in a short turn. Reported, never decisive.
_PRONOUN = re.compile(r"\b(it|that|this|those|these|them|its)\b")
MAX_PRONOUN_FOLLOW_UP_WORDS = 10
# "and ...", "what about ...": elliptical when what follows is a fragment, not a question of its own.
_ELLIPSIS = re.compile(r"^\W*(and|but|so|also|what about|how about|same for|now|ok,? and)\b\s*(?P<rest>.*)$")
_QUESTION_START = re.compile(
    r"^(what|what's|whats|who|who's|when|where|which|why|how|is|are|does|do|did|can|could|should|will|would"
    r"|tell me|give me|write|convert|translate|calculate|explain|list|name|spell|count|define|summari[sz]e)\b"
)
_PASTED = re.compile(r"[:\"'“”«»„]")
# "Thank you, that is all." closes the conversation: it points back at nothing, so it is small talk of its own.
_CLOSING = re.compile(r"^\W*(thanks?|thank you|thx|ty|cheers|bye|goodbye|see you|great|perfect|ok(ay)?|cool|got it)\b")
MAX_FOLLOW_UP_WORDS = 15
# "thanks, but why?", "ok, make it shorter": an acknowledgement in front of the real turn.
_ACK_LEAD = re.compile(
    r"^\W*(thanks?( you)?|thx|ok(ay)?|great|cool|nice|hmm+|sure|right|well|interesting|got it)\b[\s,.!]*(but\s+)?"
)


@dataclass(frozen=True)
class FollowUpCue:
    """Why a turn looks like it depends on the previous answer.

    Attributes:
        confident: A cue that only makes sense after an answer ("why?", "the second one", "make it shorter");
            False for a pronoun in a short question, which self-contained questions use too.
        cue: What was found, in words, for a decision's reasons.
    """

    confident: bool
    cue: str


def detect_follow_up(text: str) -> FollowUpCue | None:
    """Whether a turn only makes sense with the previous answer, and how sure that is.

    Args:
        text: The turn as the user typed it (any case).

    Returns:
        A confident `FollowUpCue` for a continuation, a reference to the answer, a rework of "it" or an
        elliptical fragment; a weak one for a pronoun in a short turn; None for a self-contained turn.
    """
    text = text.strip().lower()
    words = text.split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return None
    core = _ACK_LEAD.sub("", text)
    if not core.strip(" ?.!,"):
        return None  # "ok", "thanks!": an acknowledgement of its own
    cue = _detect(core, len(words))
    if _CLOSING.match(text) and "?" not in text and (cue is None or not cue.confident):
        return None  # "Thank you, that is all." closes the conversation
    return cue


def _detect(text: str, words: int) -> FollowUpCue | None:
    """The cue in a turn without its leading acknowledgement; `words` counts the whole turn."""
    if _CONTINUATION.search(text) or _CONTINUATION_START.search(text):
        return FollowUpCue(True, "asks to continue or explain the previous answer")
    ellipsis = _ELLIPSIS.match(text)
    if ellipsis:
        rest = ellipsis.group("rest").strip(" ?.!,")
        if not rest or (len(rest.split()) <= 4 and not _QUESTION_START.match(rest)):
            return FollowUpCue(True, f"an elliptical fragment ({text.strip(' ?.!')!r})")
    reference = _REFERENCE.search(text)
    if reference:
        return FollowUpCue(True, f"refers to the previous answer ({reference.group(0)!r})")
    if _PASTED.search(text):  # "translate this: ..." brings its own text
        return None
    rework = _REWORK.search(text)
    if rework and _REWORK_REST.match(rework.group("rest")):
        return FollowUpCue(True, "reworks the previous answer")
    pronoun = _PRONOUN.search(text)
    if pronoun and words <= MAX_PRONOUN_FOLLOW_UP_WORDS:
        return FollowUpCue(False, f"a pronoun ({pronoun.group(0)!r}) that may point back")
    return None


def looks_like_follow_up(text: str) -> bool:
    """True when a turn confidently depends on the previous answer (`detect_follow_up` with a confident cue).

    Args:
        text: The turn as the user typed it.

    Returns:
        Whether the router may keep it with the previous answer's tier.
    """
    cue = detect_follow_up(text)
    return cue is not None and cue.confident
