"""Follow-ups: does this turn depend on the previous answer, or is it a new question?

"why?", "tell me more", "and the second one?", "can you make it shorter?" only make sense with the previous
answer, so they stay with the tier that gave it. "and what's the capital of Peru?" or "so what is 2+2" start
like follow-ups but ask something new: they are routed on their own merits.
"""

from __future__ import annotations

import re

# The whole turn is a request to continue or rework the previous answer.
_CONTINUATION = re.compile(
    r"^\W*(why|how so|go on|continue|keep going|more|say more|elaborate|really|are you sure|again|details"
    r"|examples?|an example|for example|and then|then what|shorter|longer|simpler|in more detail|more details?)\W*$"
)
# The turn starts with a phrase that only makes sense after an answer.
_CONTINUATION_START = re.compile(
    r"^\W*(tell me more|what do you mean|what did you mean|expand on|elaborate on|more about"
    r"|explain (further|more|again)"
    r"|(can|could|would) you (please )?(explain|expand|elaborate|clarify|continue|rephrase|shorten|simplify"
    r"|summari[sz]e|translate|repeat|give (me )?(an )?example))\b"
)
# Pronouns that may point back at the previous answer ("why is that?"), in a short turn.
_PRONOUN = re.compile(r"\b(it|that|this|those|these|them|its)\b")
# Phrases that certainly point back at it ("the second one", "the full implementation", "you said").
_REFERENCE = re.compile(
    r"\b(which one|that one|which of (them|those|these)"
    r"|the (first|second|third|fourth|last|other|above|previous|next)"
    r"( one| ones| point| option| step| answer| part| idea| item| example)?"
    r"|the (full|whole|complete|rest of the|same) \w+|you (just )?(said|mentioned|wrote|suggested|listed)"
    r"|your (last |previous )?(answer|reply|list|code|example|point|suggestion)|as you said)\b"
)
MAX_PRONOUN_FOLLOW_UP_WORDS = 10
# "and ...", "what about ...": elliptical when what follows is a fragment, not a question of its own.
_ELLIPSIS = re.compile(r"^\W*(and|but|so|also|what about|how about|same for|now|ok,? and)\b\s*(?P<rest>.*)$")
_QUESTION_START = re.compile(
    r"^(what|what's|whats|who|who's|when|where|which|why|how|is|are|does|do|did|can|could|should|will|would"
    r"|tell me|give me|write|convert|translate|calculate|explain)\b"
)
_PASTED = re.compile(r"[:\"'“”]")
# "Thank you, that is all." closes the conversation: it points back at nothing, so it is small talk of its own.
_CLOSING = re.compile(r"^\W*(thanks?|thank you|thx|ty|cheers|bye|goodbye|see you|great|perfect|ok(ay)?|cool|got it)\b")
MAX_FOLLOW_UP_WORDS = 15


def looks_like_follow_up(text: str) -> bool:
    """True when a (lower-cased) turn only makes sense with the previous answer."""
    text = text.strip().lower()
    words = text.split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return False
    if _CLOSING.match(text) and "?" not in text:
        return False
    if _CONTINUATION.search(text) or _CONTINUATION_START.search(text):
        return True
    ellipsis = _ELLIPSIS.match(text)
    if ellipsis:
        rest = ellipsis.group("rest").strip(" ?.!,")
        if not rest or (len(rest.split()) <= 4 and not _QUESTION_START.match(rest)):
            return True
    if _PASTED.search(text):  # "translate this: ..." brings its own text
        return False
    if _REFERENCE.search(text):
        return True
    # "why is that?", "can you shorten it": a pronoun in a short turn
    return bool(_PRONOUN.search(text)) and len(words) <= MAX_PRONOUN_FOLLOW_UP_WORDS
