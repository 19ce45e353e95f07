"""Token prices per tier (data/pricing.csv) and the cost estimate every lab uses.

from modules.pricing import estimate_cost, load_pricing
estimate_cost("cloud", input_tokens=1200, output_tokens=300)   # USD, from data/pricing.csv
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from modules.config import PROJECT_ROOT, TIERS
from modules.errors import CourseError

__all__ = ["PRICING_CSV", "TIERS", "PricingError", "TierPrice", "estimate_cost", "load_pricing"]

PRICING_CSV = PROJECT_ROOT / "data" / "pricing.csv"


class PricingError(CourseError, ValueError):
    """data/pricing.csv lacks a tier, or a cost was asked for a tier it does not price."""


@dataclass(frozen=True)
class TierPrice:
    model: str
    usd_per_1k_input_tokens: float
    usd_per_1k_output_tokens: float
    note: str

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        """USD for one call; unknown token counts count as 0."""
        return (input_tokens or 0) / 1000 * self.usd_per_1k_input_tokens + (
            output_tokens or 0
        ) / 1000 * self.usd_per_1k_output_tokens


def load_pricing(path: Path | str = PRICING_CSV) -> dict[str, TierPrice]:
    """data/pricing.csv as {tier: TierPrice}."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    prices = {
        r["tier"]: TierPrice(
            r["model"], float(r["usd_per_1k_input_tokens"]), float(r["usd_per_1k_output_tokens"]), r["note"]
        )
        for r in rows
    }
    missing = set(TIERS) - set(prices)
    if missing:
        raise PricingError(f"{path} needs a row for each tier; missing: {sorted(missing)}")
    return prices


@lru_cache(maxsize=1)
def _default_pricing() -> dict[str, TierPrice]:
    return load_pricing()


def estimate_cost(
    tier: str, input_tokens: int | None, output_tokens: int | None, pricing: dict[str, TierPrice] | None = None
) -> float:
    """Estimated USD of one call to `tier` ('local' or 'cloud') with these token counts."""
    prices = pricing if pricing is not None else _default_pricing()
    if tier not in prices:
        raise PricingError(f"No price for tier {tier!r}; data/pricing.csv has {sorted(prices)}.")
    return prices[tier].cost(input_tokens, output_tokens)
