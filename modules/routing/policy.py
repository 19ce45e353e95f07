"""The routing policy, derived from a capability profile: which categories the local model may answer.

A category goes local only when the configured local model's measured accuracy on it reaches the bar;
every other category goes to the cloud. The labels of data/routing_queries.csv follow from this policy.

    policy = derive_policy(load_profile())
    policy.tier("factual")          # 'cloud' for SmolLM2-135M, maybe 'local' for a 3B model
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from modules.routing.errors import RouterInputError, UnknownCategoryError

# A category goes local when at least 7 in 10 of the local model's graded answers in it are right. A product
# decision, stated once: raise it and fewer categories go local (for SmolLM2-135M, none at 0.8).
LOCAL_ACCURACY_BAR = 0.7


@dataclass(frozen=True)
class Policy:
    """Category -> tier, with the measured local accuracy and the bar it was compared with."""

    tiers: Mapping[str, str]
    local_accuracy: Mapping[str, float]
    bar: float
    local_model: str

    def tier(self, category: str) -> str:
        if category not in self.tiers:
            raise UnknownCategoryError(
                f"category {category!r} is not in the capability profile ({sorted(self.tiers)}); "
                "add graded queries for it and re-measure: python -m modules.router profile"
            )
        return self.tiers[category]

    def labels(self, categories: Iterable[str]) -> list[str]:
        """The routing label of each query, from its category."""
        return [self.tier(c) for c in categories]

    @property
    def local_categories(self) -> list[str]:
        return sorted(c for c, t in self.tiers.items() if t == "local")

    def rows(self) -> list[dict]:
        """One row per category, for a table: category, measured local accuracy, tier."""
        return [
            {"category": c, "local accuracy": self.local_accuracy[c], "bar": self.bar, "tier": self.tiers[c]}
            for c in sorted(self.tiers, key=lambda c: (-self.local_accuracy[c], c))
        ]


def derive_policy(profile: Mapping, bar: float = LOCAL_ACCURACY_BAR) -> Policy:
    """Local where the measured local accuracy reaches `bar`, cloud everywhere else.

    Args:
        profile: A capability profile (`load_profile`).
        bar: The local accuracy a category needs to stay local.
    """
    if not 0.0 <= bar <= 1.0:
        raise RouterInputError(f"bar must be between 0 and 1, got {bar!r}")
    accuracy = {c: float(e["local"]) for c, e in profile["categories"].items()}
    tiers = {c: "local" if a >= bar else "cloud" for c, a in accuracy.items()}
    return Policy(tiers, accuracy, bar, str(profile["tiers"]["local"]["model"]))
