"""Deterministic sample conversations of realistic size, for tests, the benchmark and lab 04.

    record = sample_record(exchanges=100)   # 200 messages + 100 routing entries, same bytes every run

Text is drawn from a fixed English vocabulary with Zipf-like word frequencies, so it
compresses about as well as real chat text does (random letters would not compress at all,
repeated sentences far too well). Lengths: questions ~20 words, answers ~90 words.
"""

from __future__ import annotations

import random
from typing import Any

from agent_framework import AgentSession, Message

from modules.storage import ConversationRecord

_WORDS = """the of and to a in is it you that for on with as are this be can your or by not an at from have
which more if will model one all use when there data how what so query local cloud answer each about
other they time their would like into has than only also some two could first may then these its
router cost request response small large token tokens latency conversation session history storage
user question simple complex context message messages route routing fast slow cheap expensive
example because price python code function value list file table result results step steps number
server service agent framework memory database redis sqlite json key keys turn turns load save
reason reasons score threshold short long summary explain compare write translate calculate weather
capital city country year years people work good best way make need know should new used using
after again against almost already always among another answer around away back became become before
began being below between both bring build built called came cannot carry case cause certain change
children close common complete consider contain course cover cross current decide deep describe design
detail develop different direction discover distance divide during early earth easy either energy
enough even every exact experience explain fact family far feel field figure final find follow force
form found free full general given government great ground group grow half happen hard head hear heat
help high hold home hour however human idea important include increase information inside instead
interest island keep kind known land language last late learn least leave less letter level life light
line little live lost machine main major mark matter mean measure method middle might million mind
minute miss modern moment money month morning most mother mountain move much music name nature near
never next night nothing notice object often once open order outside page paper part pass pattern
perhaps period person picture piece place plan plant play point position possible power present
problem produce product program provide public pull purpose quite rather reach read ready real record
region remember report rest right river rule science second section seem sense set several shape share
show side sign since single size society sound space special stand start state still stop story
strong structure study subject such sure system take teach term test thing think though thought
through together toward travel true type under unit until upon usual various very voice watch water
whole wide within without word world written wrong yet young zone
""".split()
_WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(_WORDS))]
_MODELS = {"local": "SmolLM2-135M-Instruct", "cloud": "gpt-4o-mini"}


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(_WORDS, _WEIGHTS, k=words))
    return text[0].upper() + text[1:] + rng.choice(".?.!.")


def _paragraph(rng: random.Random, words: int) -> str:
    parts, left = [], words
    while left > 0:
        n = min(left, rng.randint(6, 18))
        parts.append(_sentence(rng, n))
        left -= n
    return " ".join(parts)


def sample_messages(exchanges: int, *, seed: int = 0, start: int = 0) -> list[Message]:
    """`exchanges` user/assistant pairs as Agent Framework messages."""
    rng = random.Random(seed * 1_000_003 + start)
    messages = []
    for _ in range(exchanges):
        messages.append(Message("user", [_paragraph(rng, rng.randint(8, 32))]))
        messages.append(
            Message(
                "assistant",
                [_paragraph(rng, rng.randint(40, 140))],
                author_name="assistant",
                message_id=f"msg_{rng.getrandbits(96):024x}",
            )
        )
    return messages


def sample_routing(exchanges: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """Per-turn routing metadata as the router records it."""
    rng = random.Random(seed + 7)
    entries, start = [], 1_764_842_400.0  # 2025-12-04 10:00 UTC, the original guide's date
    for turn in range(1, exchanges + 1):
        tier = "local" if rng.random() < 0.7 else "cloud"
        entries.append(
            {
                "turn": turn,
                "at": start + 40 * turn,
                "tier": tier,
                "model": _MODELS[tier],
                "reasons": rng.sample(
                    ["short query", "no code", "needs reasoning", "long context", "math", "greeting"], 2
                ),
                "confidence": round(rng.uniform(0.5, 0.99), 3),
                "latency_s": round(rng.uniform(0.2, 3.0), 3),
                "input_tokens": rng.randint(20, 900),
                "output_tokens": rng.randint(20, 300),
            }
        )
    return entries


def sample_session(exchanges: int, *, seed: int = 0, session_id: str | None = None) -> AgentSession:
    """A session as an agent with the default in-memory history would leave it after `exchanges` turns."""
    session = AgentSession(session_id=session_id or f"sample-{seed}-{exchanges}")
    session.state["in_memory"] = {"messages": sample_messages(exchanges, seed=seed)}
    return session


def sample_record(
    exchanges: int = 100,
    *,
    seed: int = 0,
    user_id: str | None = "ana",
    tags: tuple[str, ...] = ("sample",),
    conversation_id: str | None = None,
) -> ConversationRecord:
    """A complete record: session with `exchanges` turns plus their routing metadata.

    Args:
        exchanges: How many user/assistant turns.
        seed: The random seed (the same seed gives the same record).
        user_id: The owner, for per-user erasure.
        tags: The record's tags.
        conversation_id: Its id; None makes one from the seed.
    """
    session = sample_session(exchanges, seed=seed, session_id=conversation_id)
    record = ConversationRecord.from_session(
        session, user_id=user_id, routing_metadata=sample_routing(exchanges, seed=seed), tags=tags
    )
    return record
