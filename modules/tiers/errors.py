"""Turn a tier's failure (wrong key, wrong endpoint, no network...) into one short message naming the fix.

The OpenAI SDK and Agent Framework report these as long chains ending in "Connection error." or
"Error code: 401"; `explain_failure` finds the cause in that chain and says which `.env` variable
to check. Keys and tokens never appear in the message.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai

from modules.config import PLACEHOLDER_KEYS, Settings, reveal
from modules.errors import CourseError
from modules.redaction import redact, secret_values

OFFLINE_HINT = "or empty the tier's lines in .env to go back to the offline default"
RESTART_HINT = "then restart the kernel and run the lab from the top"


class TierError(CourseError, RuntimeError):
    """A tier cannot answer: `kind` is auth, not_found, unreachable, rate_limit, failed, not_ready or unknown_tier."""

    def __init__(self, tier: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.tier, self.kind = tier, kind


class TierUsageError(TierError, ValueError):
    """A tier asked for in a way that cannot work: a tier name other than "local" or "cloud", or the offline cloud
    tier without the running service it talks to. Also a ValueError, so code catching that keeps working."""


@dataclass(frozen=True)
class _Endpoint:
    """What an attendee can check for one tier: where it points and which variables set that."""

    name: str  # "OpenAI", "Ollama", "the course's service", ...
    url: str | None
    url_variable: str | None
    key_variable: str | None
    model: str
    model_variable: str | None
    start_hint: str | None = None  # how to start a server that runs on this machine
    not_found_hint: str = ""  # what a 404 most likely means here
    course_owned: bool = False  # the offline default: there is no "offline default" to fall back to

    @property
    def where(self) -> str:
        return f"{self.name} at {self.url}" if self.url else self.name

    @property
    def fallback(self) -> str:
        return RESTART_HINT if self.course_owned else OFFLINE_HINT


def explain_failure(
    settings: Settings, tier: str, error: BaseException, *, service_url: str | None = None
) -> TierError:
    """The TierError that says what `error` (raised by `tier`'s client) means and what to do."""
    if isinstance(error, TierError):
        return error
    endpoint = _endpoint(settings, tier, service_url)
    cause = _root_cause(error)
    where, fallback = f"The {tier} tier ({endpoint.where})", endpoint.fallback
    if isinstance(cause, openai.APIConnectionError):
        reason = "timed out" if isinstance(cause, openai.APITimeoutError) else _short(_innermost(cause)).rstrip(".")
        if endpoint.course_owned:
            message = f"{where} cannot be reached: {reason}. Restart the kernel and run the lab from the top."
        else:
            running = f"that it is running ({endpoint.start_hint})" if endpoint.start_hint else None
            spelled = f"that {endpoint.url_variable} is spelled right" if endpoint.url_variable else None
            check = [c for c in (running or "your network connection (and proxy)", spelled) if c]
            message = f"{where} cannot be reached: {reason}. Check {' and '.join(check)}; {fallback}."
        return TierError(tier, "unreachable", _scrub(message, settings))
    if isinstance(cause, openai.APIStatusError):
        status = cause.status_code
        if status in (401, 403):
            fix = f"Check {endpoint.key_variable} in .env" if endpoint.key_variable else "Check the key"
            message = f"{where} rejected the key ({status} {_reason_phrase(status)}). {fix}, {fallback}."
            return TierError(tier, "auth", _scrub(message, settings))
        if status == 404:
            message = (
                f"{where} answered 404 Not Found for model {endpoint.model!r}. Check "
                f"{_either(endpoint.model_variable, endpoint.url_variable)}{endpoint.not_found_hint}; {fallback}."
            )
            return TierError(tier, "not_found", _scrub(message, settings))
        if status == 429:
            message = (
                f"{where} answered 429: the account is out of credit or over its rate limit. Check its billing "
                f"and quota, wait a minute and re-run the cell, {fallback}."
            )
            return TierError(tier, "rate_limit", _scrub(message, settings))
        message = f"{where} answered {status}: {_short(cause)}"
        return TierError(tier, "failed", _scrub(message, settings))
    return TierError(tier, "failed", _scrub(f"{where} failed: {type(error).__name__}: {_short(error)}", settings))


def _endpoint(settings: Settings, tier: str, service_url: str | None) -> _Endpoint:
    v1 = " (a base URL usually ends in /v1)"
    if tier == "local":
        local = settings.local
        if local.backend in ("embedded", "gguf"):
            return _Endpoint(f"{local.model}, in-process", None, None, None, local.model, None, course_owned=True)
        name = {"ollama": "Ollama", "foundry_local": "Foundry Local"}.get(local.backend, "the local server")
        start = {"ollama": "`ollama serve`", "foundry_local": "`foundry service start`"}.get(
            local.backend, "start your server"
        )
        pull = f" (`ollama pull {local.model}` fetches a model)" if local.backend == "ollama" else v1
        return _Endpoint(
            name, local.base_url, "LOCAL_BASE_URL", "LOCAL_API_KEY", local.model, "LOCAL_MODEL", start, pull
        )
    cloud = settings.cloud
    if cloud.backend == "azure_openai":
        deployment = " (the deployment name from the Azure portal, not the model name)"
        return _Endpoint(
            "Azure OpenAI",
            cloud.endpoint,
            "AZURE_OPENAI_ENDPOINT",
            "AZURE_OPENAI_API_KEY",
            cloud.model,
            "AZURE_OPENAI_DEPLOYMENT",
            not_found_hint=deployment,
        )
    if cloud.backend == "openai":
        url_variable = "OPENAI_BASE_URL" if cloud.base_url else None
        return _Endpoint(
            "OpenAI",
            cloud.endpoint,
            url_variable,
            "OPENAI_API_KEY",
            cloud.model,
            "OPENAI_MODEL",
            not_found_hint=v1 if url_variable else "",
        )
    return _Endpoint(
        "the course's service",
        service_url or "127.0.0.1",
        None,
        "LOCAL_SERVICE_TOKEN",
        cloud.model,
        None,
        course_owned=True,
    )


def _root_cause(error: BaseException) -> BaseException:
    """The first OpenAI API error in the chain of causes (Agent Framework wraps them), else `error`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, openai.APIError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return error


def _innermost(error: BaseException) -> BaseException:
    """The original low-level error ("Connection refused", "Name or service not known") under the wrappers."""
    seen = {id(error)}
    while (inner := error.__cause__ or error.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        error = inner
    return error


def _either(first: str | None, second: str | None) -> str:
    return " and ".join(name for name in (first, second) if name) or "the endpoint settings in .env"


def _reason_phrase(status: int) -> str:
    return {401: "Unauthorized", 403: "Forbidden"}[status]


def _short(error: BaseException, limit: int = 160) -> str:
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scrub(text: str, settings: Settings) -> str:
    """Remove any key or token value that a server echoed back into an error message (the course's one redaction)."""
    keys = (settings.cloud.api_key, settings.local.api_key, settings.service_token)
    return redact(text, secret_values(reveal(key) for key in keys if key and reveal(key) not in PLACEHOLDER_KEYS))
