"""A small hand-made hybrid conversation whose numbers are worked out by hand in the tests.

Prices are round on purpose (cloud: 1 USD per 1k input tokens, 2 USD per 1k output tokens; local: free),
so every cost below is simple arithmetic.
"""

from __future__ import annotations

from typing import Any

from modules.pricing import TierPrice

PRICES = {
    "local": TierPrice("small-local", 0.0, 0.0, "free"),
    "cloud": TierPrice("big-cloud", 1.0, 2.0, "round numbers for tests"),
}


def exchange(turn: int, source: str, **overrides: Any) -> dict[str, Any]:
    entry = {
        "turn": turn,
        "at": 1_800_000_000.0 + 10 * turn,
        "source": source,
        "model": "SmolLM2-135M-Instruct" if source == "local" else "gpt-4o-mini",
        "strategy": "learned",
        "p_cloud": 0.2 if source == "local" else 0.8,
        "confidence": 0.8 if source == "local" else 0.6,
        "threshold": 0.5,
        "reasons": ["a short direct question"],
        "response_time_s": 0.1 if source == "local" else 2.0,
        "ttft_s": None,
        "input_tokens": 100,
        "output_tokens": 50,
        "cost_usd": 0.0 if source == "local" else 0.2,  # 100/1000*1 + 50/1000*2
        "switched": False,
        "fell_back": False,
        "failed_tier": None,
        "error": None,
        "forced": False,
        "messages_sent": 2 * turn - 1,
    }
    entry.update(overrides)
    return entry


def known_conversation() -> list[dict[str, Any]]:
    """Six exchanges: local, cloud (switch), a cloud decision that failed and fell back to local (switch),
    a forced local turn, cloud (switch) with more tokens, cloud again (no switch)."""
    return [
        exchange(1, "local", input_tokens=40, output_tokens=20, response_time_s=0.05),
        exchange(2, "cloud", switched=True),
        exchange(
            3,
            "local",
            switched=True,
            fell_back=True,
            failed_tier="cloud",
            error="TimeoutError: no answer within 5 s",
            p_cloud=0.9,
            confidence=0.8,
        ),
        exchange(4, "local", strategy="forced", p_cloud=None, confidence=1.0, threshold=None, forced=True, reasons=[]),
        exchange(
            5, "cloud", switched=True, input_tokens=300, output_tokens=100, cost_usd=0.5, p_cloud=0.55, confidence=0.55
        ),
        exchange(6, "cloud", response_time_s=4.0),
    ]
