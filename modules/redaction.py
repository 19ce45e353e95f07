"""Keep configured keys and tokens out of everything the course stores or shows: one function, `redact`.

What counts as a secret: the value of every environment (or `.env`) variable whose name ends in KEY, TOKEN,
SECRET or PASSWORD (OPENAI_API_KEY, AZURE_OPENAI_API_KEY, LOCAL_SERVICE_TOKEN, CONVERSATION_ENCRYPTION_KEY, ...),
whatever its shape; any extra value the caller names; and anything shaped like an OpenAI key or a bearer token.
Error texts recorded with an exchange, analytics exports, spans and the chat page all pass through here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from dotenv import dotenv_values

from modules.config import DEFAULT_ENV_FILE, reveal

__all__ = [
    "MAX_ERROR_CHARS",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "redact",
    "redact_configured",
    "secret_values",
    "short_error",
]

REDACTED = "[redacted]"
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
# Shapes of credentials, whoever configured them: an OpenAI-style key, a bearer token, an "api_key=..." pair.
_SECRET_SHAPES = (
    re.compile(r"\bsk-[A-Za-z0-9_-]{6,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"(?i)\bapi[_-]?key\s*[=:]\s*[^\s\[]\S*"),
)
MAX_ERROR_CHARS = 200
MIN_SECRET_LENGTH = 6  # shorter values ("1", "true") would redact ordinary text


def secret_values(extra: Iterable[str | None] = ()) -> set[str]:
    """Secret values known to this process: from the environment, `.env`, and `extra`.

    Args:
        extra: More values to treat as secret (a token held in memory, ...); None entries are skipped.

    Returns:
        The set of values (each at least MIN_SECRET_LENGTH characters) that `redact` replaces.
    """
    sources: list[Mapping[str, str | None]] = [os.environ]
    if DEFAULT_ENV_FILE.is_file():
        sources.append(dotenv_values(DEFAULT_ENV_FILE))
    found = {value for env in sources for name, value in env.items() if value and _SECRET_NAME.search(name)}
    found.update(reveal(value) for value in extra if value)
    return {value.strip() for value in found if len(value.strip()) >= MIN_SECRET_LENGTH}


def redact(value: Any, secrets: set[str]) -> Any:
    """`value` with every secret replaced by "[redacted]" (strings, and lists/dicts of them, recursively).

    Args:
        value: A string, or a list, tuple or mapping holding strings; anything else is returned as is.
        secrets: The values to remove (usually `secret_values()`); key- and bearer-shaped text goes too.

    Returns:
        The same shape of value with every secret replaced by REDACTED.
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


def redact_configured(text: str) -> str:
    """`text` without any configured secret (read from the environment and `.env` now) or key-shaped value.

    Args:
        text: Text about to be stored or shown, such as an upstream error message.

    Returns:
        The text with every secret replaced by REDACTED.
    """
    return redact(text, secret_values())


def short_error(error: BaseException | str | None) -> str | None:
    """A one-line error text to record or show: type and message, bounded, with credentials removed.

    Args:
        error: An exception, a text, or None.

    Returns:
        "Type: message" on one line, at most MAX_ERROR_CHARS long, configured secrets and key-shaped text
        replaced by REDACTED (an upstream 401 may echo the key it was sent); None for None.
    """
    if error is None:
        return None
    if not isinstance(error, str):
        error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = redact_configured(" ".join(error.split()))
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."
