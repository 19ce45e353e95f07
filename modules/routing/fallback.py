"""Answer on the chosen tier, and on the other one when it fails or runs out of time: the course's one fallback loop.

    async for item in answer_with_fallback(decision, attempt, timeout_s=30):
        ...   # the items of the tier that answers; before them, a RoutingDecision if the first tier failed

`route_and_answer` (a router and one async function per tier) and `HybridConversationManager` (agents on one
shared session, streamed or not) both answer through it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any

from modules.config import TIERS
from modules.redaction import short_error
from modules.routing.errors import RouterInputError, RoutingError
from modules.routing.router import HybridRouter, RoutingContext, RoutingDecision

__all__ = ["AllTiersFailedError", "RoutedAnswer", "answer_with_fallback", "other_tier", "route_and_answer"]

Answerer = Callable[[str], Awaitable[str]]


class AllTiersFailedError(RoutingError, RuntimeError):
    """Both the chosen tier and the fallback failed; the message names both errors."""


def other_tier(tier: str) -> str:
    """The tier that is not `tier`.

    Args:
        tier: "local" or "cloud".

    Returns:
        "cloud" for "local", "local" for "cloud".
    """
    return "local" if tier == "cloud" else "cloud"


async def answer_with_fallback(
    decision: RoutingDecision, attempt: Callable[[str], AsyncIterator[Any]], *, timeout_s: float
) -> AsyncIterator[Any]:
    """Ask the decision's tier; if it raises or runs past `timeout_s`, ask the other tier instead.

    Args:
        decision: The router's decision; its `target` is asked first.
        attempt: tier -> an async iterator of what that tier produces (text chunks, a final response, ...).
        timeout_s: How long each tier may take, from its start to its last item.

    Yields:
        Every item of the tier that answers. When the first tier fails, the decision with the fallback recorded
        (`fell_back=True`, `failed_target`, `error`, one more reason) comes first: discard what it yielded.

    Raises:
        AllTiersFailedError: Both tiers failed; the message names both errors.
    """
    failure: str | None = None
    for tier in (decision.target, other_tier(decision.target)):
        started = time.perf_counter()
        try:
            async with aclosing(attempt(tier)) as items:
                while True:
                    left = max(timeout_s - (time.perf_counter() - started), 0.001)
                    try:
                        item = await asyncio.wait_for(anext(items), left)
                    except StopAsyncIteration:
                        return
                    yield item
        except Exception as error:  # noqa: BLE001 - any failure of a tier hands the question to the other
            message = f"TimeoutError: no answer within {timeout_s:g} s" if isinstance(error, TimeoutError) else None
            message = message or short_error(error)
            if failure is not None:
                raise AllTiersFailedError(
                    f"{failure}; {tier} tier: {message}. Check that both tiers are reachable (lab 01) and ask again."
                ) from error
            failure = f"{tier} tier: {message}"
            decision = replace(
                decision,
                fell_back=True,
                failed_target=tier,
                error=message,
                reasons=[
                    *decision.reasons,
                    f"{tier} tier failed ({message}): {other_tier(tier)} tier answered instead",
                ],
            )
            yield decision


@dataclass(frozen=True)
class RoutedAnswer:
    """What `route_and_answer` returns.

    Attributes:
        text: The answer.
        decision: The router's decision, with any fallback recorded.
        tier: The tier that actually answered.
        answer_seconds: How long answering took, both tiers together.
    """

    text: str
    decision: RoutingDecision
    tier: str
    answer_seconds: float


async def route_and_answer(
    router: HybridRouter,
    query: str,
    answerers: Mapping[str, Answerer],
    *,
    timeout_s: float,
    context: RoutingContext | None = None,
) -> RoutedAnswer:
    """Route `query`, ask the chosen tier, and if it raises or exceeds `timeout_s`, ask the other tier.
    The returned decision records the fallback: fell_back=True, the failed tier and its error.

    Args:
        router: The router that picks the tier.
        query: The question.
        answerers: One async callable per tier ("local", "cloud") that answers a query with text.
        timeout_s: How long a tier may take before the other one is asked.
        context: What the router may know about the conversation so far, or None.

    Returns:
        The answer, the decision (with any fallback), the tier that answered and how long answering took.

    Raises:
        RouterInputError: (a ValueError) `answerers` lacks a tier.
        AllTiersFailedError: Both tiers failed; the message names both errors.
    """
    missing = set(TIERS) - set(answerers)
    if missing:
        raise RouterInputError(
            f"answerers needs one async callable per tier; missing: {sorted(missing)}. Pass a dict with both keys, "
            "e.g. {'local': ask_local, 'cloud': ask_cloud}, each an async function from query to answer text."
        )

    async def attempt(tier: str) -> AsyncIterator[str]:
        yield await answerers[tier](query)

    decision = router.route(query, context)
    started = time.perf_counter()
    async for item in answer_with_fallback(decision, attempt, timeout_s=timeout_s):
        if isinstance(item, RoutingDecision):
            decision = item
        else:
            text = item
    tier = other_tier(decision.target) if decision.fell_back else decision.target
    return RoutedAnswer(text, decision, tier, time.perf_counter() - started)
