"""Course settings from the environment and `.env`.

No keys at all means the offline default: the embedded SmolLM2 model as the local
tier and the course's own Responses-API service as the cloud tier. Naming a real
endpoint switches that tier. A half-configured tier is an error that names the
variable to fix; secrets never appear in a repr, a print or an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from modules.errors import CourseError

__all__ = [
    "CLOUD_BACKENDS",
    "DEFAULT_ENV_FILE",
    "LOCAL_BACKENDS",
    "PROJECT_ROOT",
    "TIERS",
    "CloudTier",
    "ConfigError",
    "LocalTier",
    "Secret",
    "Settings",
    "course_environment",
    "load_settings",
    "redact_url",
    "reveal",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = PROJECT_ROOT / ".env"

TIERS = ("local", "cloud")  # the two tiers, in the order the course lists them
LOCAL_BACKENDS = ("embedded", "gguf", "foundry_local", "ollama", "openai_compatible")
CLOUD_BACKENDS = ("local_service", "openai", "azure_openai")

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434/v1"
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
AZURE_DEFAULT_API_VERSION = "preview"
# What local servers get as a key when none is set: they ignore it, and it is no secret.
PLACEHOLDER_KEYS = ("ollama", "not-needed")
# Each tier's context window in tokens, when .env does not say (LOCAL_CONTEXT_TOKENS, CLOUD_CONTEXT_TOKENS): the
# embedded SmolLM2 and the course's service (which runs it) have 2,048; a served local model is assumed to have
# 4,096; OpenAI's and Azure's current chat models have 128,000.
DEFAULT_CONTEXT_TOKENS = {
    ("local", "embedded"): 2048,
    ("local", "gguf"): 2048,
    ("local", "other"): 4096,
    ("cloud", "local_service"): 2048,
    ("cloud", "other"): 128_000,
}
LOCAL_SERVICE_ENDPOINT = "the course's own service on 127.0.0.1 (start_tiers() starts it)"
URL_EXAMPLES = {
    "AZURE_OPENAI_ENDPOINT": "https://<resource>.openai.azure.com",
    "OPENAI_BASE_URL": OPENAI_DEFAULT_URL,
    "LOCAL_BASE_URL": OLLAMA_DEFAULT_URL,
}


class ConfigError(CourseError, ValueError):
    """The environment or `.env` names a backend that cannot work as configured."""


class Secret(str):
    """A key, token or URL with a password that never shows its value when printed, formatted or logged.

    `str()`, `repr()`, f-strings and `format()` all give `***`; code that must send the value (an HTTP client,
    a subprocess environment) asks for it explicitly with `reveal()`. Comparison, hashing and `encode()` still
    use the real value.
    """

    MASK = "***"

    def __str__(self) -> str:
        return self.MASK

    def __repr__(self) -> str:
        return f"Secret('{self.MASK}')"

    def __format__(self, format_spec: str) -> str:
        return format(self.MASK, format_spec)

    def reveal(self) -> str:
        """The value itself, as a plain `str`, for the one place that must send it.

        Returns:
            The secret's value (a plain string, so printing it is the caller's explicit choice).
        """
        return str.__str__(self)


def reveal(value: str | None) -> str | None:
    """The plain value of a `Secret` (or of an ordinary string); None stays None.

    Args:
        value: A `Secret`, a plain string, or None.

    Returns:
        The value as a plain `str` (None when `value` is None).
    """
    return None if value is None else str.__str__(value)


@dataclass(frozen=True)
class LocalTier:
    backend: str = "embedded"
    model: str = "SmolLM2-135M-Instruct"
    base_url: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    gguf_path: Path | None = None
    chosen_by: str = "the default"  # the setting that selected this backend, for "why this mode"
    context_tokens: int | None = None  # the model's window; None: DEFAULT_CONTEXT_TOKENS for the backend

    @property
    def window(self) -> int:
        """The model's context window in tokens (LOCAL_CONTEXT_TOKENS, else the backend's default)."""
        default = DEFAULT_CONTEXT_TOKENS.get(("local", self.backend), DEFAULT_CONTEXT_TOKENS[("local", "other")])
        return self.context_tokens or default


@dataclass(frozen=True)
class CloudTier:
    backend: str = "local_service"
    model: str = "local-service"
    base_url: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    azure_endpoint: str | None = None
    api_version: str | None = None
    chosen_by: str = "the default"
    context_tokens: int | None = None  # the model's window; None: DEFAULT_CONTEXT_TOKENS for the backend

    @property
    def window(self) -> int:
        """The model's context window in tokens (CLOUD_CONTEXT_TOKENS, else the backend's default)."""
        default = DEFAULT_CONTEXT_TOKENS.get(("cloud", self.backend), DEFAULT_CONTEXT_TOKENS[("cloud", "other")])
        return self.context_tokens or default

    @property
    def endpoint(self) -> str:
        """Where the cloud tier's requests go, in words an attendee can check."""
        if self.backend == "local_service":
            return LOCAL_SERVICE_ENDPOINT
        if self.backend == "azure_openai":
            return str(self.azure_endpoint)
        return self.base_url or OPENAI_DEFAULT_URL

    @property
    def key_variable(self) -> str | None:
        """The variable holding this tier's key (None: the course's service needs none)."""
        return {"openai": "OPENAI_API_KEY", "azure_openai": "AZURE_OPENAI_API_KEY"}.get(self.backend)


@dataclass(frozen=True)
class Settings:
    local: LocalTier
    cloud: CloudTier
    service_token: Secret | None = field(default=None, repr=False)
    forced_offline: bool = False
    # An existing Redis server for lab 04 and the Redis tests; None: the course starts its own redis-server.
    redis_url: Secret | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        """'offline' when neither tier leaves this machine's course-owned parts, else 'real'."""
        offline = self.local.backend == "embedded" and self.cloud.backend == "local_service"
        return "offline" if offline else "real"

    @property
    def reason(self) -> str:
        """Why this mode, naming the settings that chose it."""
        if self.forced_offline:
            return "COURSE_OFFLINE=1 is set, so endpoints and keys in .env are ignored (pytest sets it)"
        if self.mode == "offline":
            return "no real endpoint or key is set in the environment or .env"
        tiers = (("local", self.local), ("cloud", self.cloud))
        chosen = [f"{tier.chosen_by} (the {name} tier)" for name, tier in tiers if tier.chosen_by != "the default"]
        return "the environment or .env sets " + " and ".join(chosen)

    def describe(self) -> dict[str, str]:
        """A summary that is safe to print: backends, models, endpoints, and whether keys are set."""
        cloud_key = f"{self.cloud.key_variable} is set" if self.cloud.key_variable else "not needed"
        if self.cloud.backend == "local_service" and self.service_token:
            cloud_key = "LOCAL_SERVICE_TOKEN is set (the service requires it)"
        return {
            "mode": self.mode,
            "why": self.reason,
            "local backend": self.local.backend,
            "local model": str(self.local.gguf_path or self.local.model),
            "local endpoint": self.local.base_url or "in-process (inside this Python kernel)",
            "cloud backend": self.cloud.backend,
            "cloud model": self.cloud.model,
            "cloud endpoint": self.cloud.endpoint,
            "cloud key": cloud_key,
            "redis (lab 04)": redact_url(self.redis_url) if self.redis_url else "a redis-server the course starts",
        }


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | str | None = DEFAULT_ENV_FILE) -> Settings:
    """Read settings; real environment variables win over `.env` entries.

    Set `COURSE_OFFLINE=1` to ignore every endpoint and key (the test suite does). `REDIS_URL` is
    honoured either way: it names local infrastructure, not a paid endpoint.
    """
    env = _merged_environment(os.environ if environ is None else environ, env_file)
    redis_url = _redis_url(env)
    token = _secret(env, "LOCAL_SERVICE_TOKEN")
    if _truthy(env.get("COURSE_OFFLINE")):
        return Settings(LocalTier(), CloudTier(), token, forced_offline=True, redis_url=redis_url)
    local = replace(_local_tier(env), context_tokens=_tokens(env, "LOCAL_CONTEXT_TOKENS"))
    cloud = replace(_cloud_tier(env), context_tokens=_tokens(env, "CLOUD_CONTEXT_TOKENS"))
    return Settings(local, cloud, token, redis_url=redis_url)


def _tokens(env: Mapping[str, str], name: str) -> int | None:
    """A context window size from .env: a whole number of tokens of at least 256, or None when not set."""
    if name not in env:
        return None
    value = env[name].replace("_", "").replace(",", "")
    if not value.isdigit() or int(value) < 256:
        raise ConfigError(f"{name}={env[name]!r} is not a context window: give a number of tokens, e.g. 128000.")
    return int(value)


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to print."""
    url = reveal(url)  # a Secret would print as *** even without a password
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def course_environment(env_file: Path | str | None = DEFAULT_ENV_FILE) -> dict[str, str]:
    """The environment with `.env` merged in (real variables win; empty values count as unset)."""
    return _merged_environment(os.environ, env_file)


def _merged_environment(environ: Mapping[str, str], env_file: Path | str | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    # An empty value means "not set": a copied .env.example must not half-configure a tier.
    return {k: v.strip() for k, v in merged.items() if v is not None and v.strip()}


def _local_tier(env: Mapping[str, str]) -> LocalTier:
    backend = env.get("LOCAL_BACKEND")
    chosen_by = f"LOCAL_BACKEND={backend}"
    if backend is None:
        backend, chosen_by = (
            ("gguf", "LOCAL_GGUF_PATH")
            if "LOCAL_GGUF_PATH" in env
            else ("openai_compatible", "LOCAL_BASE_URL")
            if "LOCAL_BASE_URL" in env
            else ("embedded", "the default")
        )
    backend = backend.lower()
    if backend not in LOCAL_BACKENDS:
        raise ConfigError(
            f"LOCAL_BACKEND={backend!r} is not one of {', '.join(LOCAL_BACKENDS)}. Fix or remove it in .env."
        )
    api_key = _secret(env, "LOCAL_API_KEY")
    if backend == "embedded":
        return LocalTier(chosen_by=chosen_by)
    if backend == "gguf":
        path = Path(_require(env, "LOCAL_GGUF_PATH", "LOCAL_BACKEND=gguf")).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"LOCAL_GGUF_PATH points to {path}, which is not a file. Give the path of a .gguf model file."
            )
        return LocalTier(backend, model=path.stem, gguf_path=path, chosen_by=chosen_by)
    if backend == "ollama":
        model = _require(env, "LOCAL_MODEL", "LOCAL_BACKEND=ollama (for example LOCAL_MODEL=llama3.2:1b)")
        base_url = _http_url(env, "LOCAL_BASE_URL", OLLAMA_DEFAULT_URL)
        return LocalTier(backend, model, base_url, api_key or Secret(PLACEHOLDER_KEYS[0]), chosen_by=chosen_by)
    # Foundry Local picks its port at start-up (`foundry service status` prints it), so the URL is required.
    _require(env, "LOCAL_BASE_URL", f"LOCAL_BACKEND={backend}")
    base_url = _http_url(env, "LOCAL_BASE_URL")
    model = _require(env, "LOCAL_MODEL", f"LOCAL_BACKEND={backend}")
    return LocalTier(backend, model, base_url, api_key or Secret(PLACEHOLDER_KEYS[1]), chosen_by=chosen_by)


def _cloud_tier(env: Mapping[str, str]) -> CloudTier:
    backend = env.get("CLOUD_BACKEND")
    chosen_by = f"CLOUD_BACKEND={backend}"
    if backend is None:
        backend, chosen_by = (
            ("azure_openai", "AZURE_OPENAI_ENDPOINT")
            if "AZURE_OPENAI_ENDPOINT" in env
            else ("openai", "OPENAI_API_KEY")
            if "OPENAI_API_KEY" in env
            else ("local_service", "the default")
        )
    backend = backend.lower()
    if backend not in CLOUD_BACKENDS:
        raise ConfigError(
            f"CLOUD_BACKEND={backend!r} is not one of {', '.join(CLOUD_BACKENDS)}. Fix or remove it in .env."
        )
    if backend == "local_service":
        return CloudTier(chosen_by=chosen_by)
    if backend == "openai":
        key = _secret(env, "OPENAI_API_KEY")
        if key is None:
            raise ConfigError(
                "CLOUD_BACKEND=openai needs OPENAI_API_KEY. Set it in .env, or remove CLOUD_BACKEND for the offline "
                "default."
            )
        model = env.get("OPENAI_MODEL", OPENAI_DEFAULT_MODEL)
        return CloudTier(backend, model, _http_url(env, "OPENAI_BASE_URL"), key, chosen_by=chosen_by)
    _require(env, "AZURE_OPENAI_ENDPOINT", "CLOUD_BACKEND=azure_openai")
    endpoint = _http_url(env, "AZURE_OPENAI_ENDPOINT")
    key = _secret(env, "AZURE_OPENAI_API_KEY")
    if key is None:
        raise ConfigError(
            f"AZURE_OPENAI_ENDPOINT is set ({endpoint}) but AZURE_OPENAI_API_KEY is not. "
            "Add the key to .env, or remove AZURE_OPENAI_ENDPOINT for the offline default."
        )
    deployment = _require(
        env, "AZURE_OPENAI_DEPLOYMENT", "CLOUD_BACKEND=azure_openai (the name of your model deployment)"
    )
    api_version = env.get("AZURE_OPENAI_API_VERSION", AZURE_DEFAULT_API_VERSION)
    return CloudTier(backend, deployment, None, key, endpoint, api_version, chosen_by=chosen_by)


def _require(env: Mapping[str, str], name: str, needed_by: str) -> str:
    if name not in env:
        raise ConfigError(
            f"{needed_by} needs {name}. Set it in .env, or remove the backend setting for the offline default."
        )
    return env[name]


def _http_url(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """An http(s) URL from `name`, or the default; a URL without scheme or host is a ConfigError naming `name`."""
    url = env.get(name, default)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name}={url!r} is not an http(s) URL. Write it in full, for example {name}={URL_EXAMPLES[name]}"
        )
    return url


def _redis_url(env: Mapping[str, str]) -> Secret | None:
    url = env.get("REDIS_URL")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise ConfigError(
            f"REDIS_URL={redact_url(url)!r} is not a Redis URL. Write it as redis://host:6379/0 "
            "(rediss:// for TLS), or remove it to let the course start its own redis-server."
        )
    return Secret(url)


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    return Secret(env[name]) if name in env else None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}
