"""Keep keys and tokens out of spans and exports: every string leaving the analytics package passes through here.

Secrets are found and replaced by `modules.redaction` (the one redaction function of the course). Span attributes
that carry conversation content (only recorded when sensitive-data capture is on, which this package keeps off)
are dropped as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.redaction import MIN_SECRET_LENGTH, REDACTED, redact, secret_values

__all__ = ["CONTENT_ATTRIBUTES", "MIN_SECRET_LENGTH", "REDACTED", "redact", "safe_attributes", "secret_values"]

CONTENT_ATTRIBUTES = frozenset(
    {
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.definitions",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
    }
)


def safe_attributes(attributes: Mapping[str, Any] | None, secrets: set[str]) -> dict[str, Any]:
    """Span attributes without conversation content and with secrets redacted.

    Args:
        attributes: A span's attributes (None: none).
        secrets: The values to remove, usually `secret_values()`.

    Returns:
        A new dict without the content attributes, every value passed through `redact`.
    """
    return {key: redact(value, secrets) for key, value in (attributes or {}).items() if key not in CONTENT_ATTRIBUTES}
