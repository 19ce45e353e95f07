"""Which tier an exchange came from: 'local' or 'cloud', and the names the persistence guide used for them.

The guide recorded exchanges with sources such as "foundry" (a cloud agent) or "apim" (a cloud
gateway); this course has two tiers, so every source maps to one of them and analytics, pricing
and the router all speak of 'local' and 'cloud'.
"""

from __future__ import annotations

from modules.config import TIERS
from modules.hybrid.errors import UnknownSourceError

SOURCE_ALIASES = {
    "foundry": "cloud",
    "azure": "cloud",
    "azure_openai": "cloud",
    "openai": "cloud",
    "apim": "cloud",
    "local_service": "cloud",
    "embedded": "local",
    "ollama": "local",
    "foundry_local": "local",
}


def tier_of(source: object) -> str:
    """The tier ('local' or 'cloud') a source name stands for, or `UnknownSourceError` naming the choices."""
    if isinstance(source, str):
        name = source.strip().lower()
        if name in TIERS:
            return name
        if name in SOURCE_ALIASES:
            return SOURCE_ALIASES[name]
    raise UnknownSourceError(
        f"Unknown source {source!r:.60}: an exchange comes from 'local' or 'cloud' "
        f"(aliases: {', '.join(sorted(SOURCE_ALIASES))}). Pass one of those as `source`; nothing was recorded."
    )
