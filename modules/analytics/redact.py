"""Keep keys and tokens out of spans and exports: every string leaving the analytics package passes through here.

What counts as a secret: the value of every environment (or `.env`) variable whose name ends in KEY, TOKEN,
SECRET or PASSWORD (OPENAI_API_KEY, AZURE_OPENAI_API_KEY, LOCAL_SERVICE_TOKEN, CONVERSATION_ENCRYPTION_KEY, ...),
any extra value the caller names, and anything shaped like an OpenAI key or a bearer token. Span attributes that
carry conversation content (only recorded when sensitive-data capture is on, which this package keeps off) are
dropped as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from dotenv import dotenv_values

from modules.config import DEFAULT_ENV_FILE

REDACTED = "[redacted]"
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_SECRET_SHAPES = (
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
)
MIN_SECRET_LENGTH = 6  # shorter values ("1", "true") would redact ordinary text
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


def secret_values(extra: Iterable[str | None] = ()) -> set[str]:
    """Secret values known to this process: from the environment, `.env`, and `extra`.

    Args:
        extra: More values to treat as secret (None entries are skipped).

    Returns:
        The values of every variable whose name ends in KEY, TOKEN, SECRET or PASSWORD, plus `extra`; values
        shorter than MIN_SECRET_LENGTH are left out (they would redact ordinary text).
    """
    sources: list[Mapping[str, str | None]] = [os.environ]
    if DEFAULT_ENV_FILE.is_file():
        sources.append(dotenv_values(DEFAULT_ENV_FILE))
    found = {value for env in sources for name, value in env.items() if value and _SECRET_NAME.search(name)}
    found.update(value for value in extra if value)
    return {value.strip() for value in found if len(value.strip()) >= MIN_SECRET_LENGTH}


def redact(value: Any, secrets: set[str]) -> Any:
    """`value` with every secret replaced by "[redacted]" (strings, and lists/dicts of them, recursively).

    Args:
        value: A string, or a list or dict holding strings.
        secrets: The values to hide, e.g. from `secret_values()`.

    Returns:
        A copy of `value` with each secret replaced.
    """
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):  # longest first: one secret may contain another
            value = value.replace(secret, REDACTED)
        for shape in _SECRET_SHAPES:
            value = shape.sub(REDACTED, value)
        return value
    if isinstance(value, Mapping):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    return value


def safe_attributes(attributes: Mapping[str, Any] | None, secrets: set[str]) -> dict[str, Any]:
    """Span attributes without conversation content and with secrets redacted."""
    return {key: redact(value, secrets) for key, value in (attributes or {}).items() if key not in CONTENT_ATTRIBUTES}
