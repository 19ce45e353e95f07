"""Course settings from the environment and `.env`.

No keys at all means the offline default: the embedded SmolLM2 model as the local
tier and the course's own Responses-API service as the cloud tier. Naming a real
endpoint switches that tier. A half-configured tier is an error that names the
variable to fix; secrets never appear in a repr, a print or an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = PROJECT_ROOT / ".env"

LOCAL_BACKENDS = ("embedded", "gguf", "foundry_local", "ollama", "openai_compatible")
CLOUD_BACKENDS = ("local_service", "openai", "azure_openai")

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
AZURE_DEFAULT_API_VERSION = "preview"


class ConfigError(ValueError):
    """The environment or `.env` names a backend that cannot work as configured."""


class Secret(str):
    """A string that never shows its value in repr() or str() formatting of containers."""

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True)
class LocalTier:
    backend: str = "embedded"
    model: str = "SmolLM2-135M-Instruct"
    base_url: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    gguf_path: Path | None = None


@dataclass(frozen=True)
class CloudTier:
    backend: str = "local_service"
    model: str = "local-service"
    base_url: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    azure_endpoint: str | None = None
    api_version: str | None = None


@dataclass(frozen=True)
class Settings:
    local: LocalTier
    cloud: CloudTier
    service_token: Secret | None = field(default=None, repr=False)
    forced_offline: bool = False

    @property
    def mode(self) -> str:
        """'offline' when neither tier leaves this machine's course-owned parts, else 'real'."""
        offline = self.local.backend == "embedded" and self.cloud.backend == "local_service"
        return "offline" if offline else "real"

    def describe(self) -> dict[str, str]:
        """A summary that is safe to print: backends, models, endpoints, and whether keys are set."""
        return {
            "mode": self.mode,
            "local backend": self.local.backend,
            "local model": str(self.local.gguf_path or self.local.model),
            "local endpoint": self.local.base_url or "in-process",
            "cloud backend": self.cloud.backend,
            "cloud model": self.cloud.model,
            "cloud endpoint": self.cloud.azure_endpoint or self.cloud.base_url or "started by the course on 127.0.0.1",
            "cloud key": "set"
            if self.cloud.api_key
            else "not needed"
            if self.cloud.backend == "local_service"
            else "missing",
        }


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | str | None = DEFAULT_ENV_FILE) -> Settings:
    """Read settings; real environment variables win over `.env` entries.

    Set `COURSE_OFFLINE=1` to ignore every endpoint and key (the test suite does).
    """
    env = _merged_environment(os.environ if environ is None else environ, env_file)
    if _truthy(env.get("COURSE_OFFLINE")):
        return Settings(LocalTier(), CloudTier(), _secret(env, "LOCAL_SERVICE_TOKEN"), forced_offline=True)
    return Settings(_local_tier(env), _cloud_tier(env), _secret(env, "LOCAL_SERVICE_TOKEN"))


def _merged_environment(environ: Mapping[str, str], env_file: Path | str | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    # An empty value means "not set": a copied .env.example must not half-configure a tier.
    return {k: v.strip() for k, v in merged.items() if v is not None and v.strip()}


def _local_tier(env: Mapping[str, str]) -> LocalTier:
    backend = env.get("LOCAL_BACKEND")
    if backend is None:
        backend = "gguf" if "LOCAL_GGUF_PATH" in env else "openai_compatible" if "LOCAL_BASE_URL" in env else "embedded"
    backend = backend.lower()
    if backend not in LOCAL_BACKENDS:
        raise ConfigError(
            f"LOCAL_BACKEND={backend!r} is not one of {', '.join(LOCAL_BACKENDS)}. Fix or remove it in .env."
        )
    api_key = _secret(env, "LOCAL_API_KEY")
    if backend == "embedded":
        return LocalTier()
    if backend == "gguf":
        path = Path(_require(env, "LOCAL_GGUF_PATH", "LOCAL_BACKEND=gguf")).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"LOCAL_GGUF_PATH points to {path}, which is not a file. Give the path of a .gguf model file."
            )
        return LocalTier(backend, model=path.stem, gguf_path=path)
    if backend == "ollama":
        model = _require(env, "LOCAL_MODEL", "LOCAL_BACKEND=ollama (for example LOCAL_MODEL=llama3.2:1b)")
        return LocalTier(backend, model, env.get("LOCAL_BASE_URL", OLLAMA_DEFAULT_URL), api_key or Secret("ollama"))
    # Foundry Local picks its port at start-up (`foundry service status` prints it), so the URL is required.
    base_url = _require(env, "LOCAL_BASE_URL", f"LOCAL_BACKEND={backend}")
    model = _require(env, "LOCAL_MODEL", f"LOCAL_BACKEND={backend}")
    return LocalTier(backend, model, base_url, api_key or Secret("not-needed"))


def _cloud_tier(env: Mapping[str, str]) -> CloudTier:
    backend = env.get("CLOUD_BACKEND")
    if backend is None:
        backend = (
            "azure_openai"
            if "AZURE_OPENAI_ENDPOINT" in env
            else "openai"
            if "OPENAI_API_KEY" in env
            else "local_service"
        )
    backend = backend.lower()
    if backend not in CLOUD_BACKENDS:
        raise ConfigError(
            f"CLOUD_BACKEND={backend!r} is not one of {', '.join(CLOUD_BACKENDS)}. Fix or remove it in .env."
        )
    if backend == "local_service":
        return CloudTier()
    if backend == "openai":
        key = _secret(env, "OPENAI_API_KEY")
        if key is None:
            raise ConfigError(
                "CLOUD_BACKEND=openai needs OPENAI_API_KEY. Set it in .env, or remove CLOUD_BACKEND for the offline "
                "default."
            )
        return CloudTier(backend, env.get("OPENAI_MODEL", OPENAI_DEFAULT_MODEL), env.get("OPENAI_BASE_URL"), key)
    endpoint = _require(env, "AZURE_OPENAI_ENDPOINT", "CLOUD_BACKEND=azure_openai")
    key = _secret(env, "AZURE_OPENAI_API_KEY")
    if key is None:
        raise ConfigError(
            f"AZURE_OPENAI_ENDPOINT is set ({endpoint}) but AZURE_OPENAI_API_KEY is not. "
            "Add the key to .env, or remove AZURE_OPENAI_ENDPOINT for the offline default."
        )
    deployment = _require(
        env, "AZURE_OPENAI_DEPLOYMENT", "CLOUD_BACKEND=azure_openai (the name of your model deployment)"
    )
    return CloudTier(
        backend, deployment, None, key, endpoint, env.get("AZURE_OPENAI_API_VERSION", AZURE_DEFAULT_API_VERSION)
    )


def _require(env: Mapping[str, str], name: str, needed_by: str) -> str:
    if name not in env:
        raise ConfigError(
            f"{needed_by} needs {name}. Set it in .env, or remove the backend setting for the offline default."
        )
    return env[name]


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    return Secret(env[name]) if name in env else None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}
