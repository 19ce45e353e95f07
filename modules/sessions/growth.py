"""Measure how a serialized session grows with the conversation, and how long (de)serializing takes.

Lab 03 runs a few short turns (seconds); `bench/bench_sessions.py` runs the full 50-turn series.
"""

from __future__ import annotations

import json
import timeit
from dataclasses import dataclass
from typing import Any

from agent_framework import AgentSession

CHECKPOINTS = (1, 5, 10, 25, 50)


@dataclass
class GrowthPoint:
    kind: str
    turns: int
    serialized_bytes: int
    serialize_us: float
    restore_us: float
    input_tokens: int | None = None  # what this turn sent the model: the whole history, either way


def time_round_trip(session: AgentSession, repeats: int = 50) -> tuple[int, float, float]:
    """Serialized size in bytes, and microseconds to serialize (to_dict + JSON) and to restore (JSON + from_dict)."""
    text = json.dumps(session.to_dict())
    serialize = timeit.timeit(lambda: json.dumps(session.to_dict()), number=repeats) / repeats
    restore = timeit.timeit(lambda: AgentSession.from_dict(json.loads(text)), number=repeats) / repeats
    return len(text.encode()), serialize * 1e6, restore * 1e6


async def measure_growth(
    agent: Any,
    kind: str,
    checkpoints: tuple[int, ...] = CHECKPOINTS,
    *,
    max_tokens: int = 6,
    progress: bool = False,
) -> list[GrowthPoint]:
    """Hold one real conversation of max(checkpoints) turns and measure the session at each checkpoint.

    `progress=True` shows a progress bar (tqdm) while the turns run.

    Args:
        agent: The agent whose session grows.
        kind: A label for the rows (e.g. 'service-managed').
        checkpoints: The turn counts to measure at.
        max_tokens: The cap on each answer's length.
        progress: Show a progress bar while the turns run.
    """
    turns = range(1, max(checkpoints) + 1)
    if progress:
        from tqdm.auto import tqdm

        turns = tqdm(turns, desc=kind, unit="turn")
    session = agent.create_session()
    points = []
    for turn in turns:
        response = await agent.run(
            f"Turn {turn}: a word rhyming with cat?", session=session, options={"max_tokens": max_tokens}
        )
        if turn in checkpoints:
            usage = response.usage_details or {}
            points.append(GrowthPoint(kind, turn, *time_round_trip(session), usage.get("input_token_count")))
    return points
