"""Build the two tiers' Agent Framework chat clients from the settings.

    tiers = start_tiers()                     # offline: starts the local Responses service
    await tiers.check()                       # one short TierError naming the fix if a tier cannot answer
    answer = await tiers.ask("local", "What is 2 + 2?")
    agent = tiers.cloud_client.as_agent(instructions="...")
    tiers.close()                             # also runs at interpreter exit

The labs use the same code whichever backends `.env` names.
"""

from __future__ import annotations

import atexit
import time
from dataclasses import dataclass, field
from typing import Any

from agent_framework import ChatContext, Message, chat_middleware
from agent_framework.openai import OpenAIChatClient, OpenAIChatCompletionClient
from openai import AsyncAzureOpenAI, AsyncOpenAI, Timeout

from modules.config import TIERS, Settings, load_settings, reveal
from modules.runtime import LocalService
from modules.tiers.errors import TierError, TierUsageError, explain_failure
from modules.tiers.local_model import EmbeddedChatClient

REQUEST_TIMEOUT_S = 120.0
# A wrong host or a dead network should fail in seconds, not after the two-minute answer timeout.
CONNECT_TIMEOUT_S = 10.0
# The openai SDK's own Timeout type: it documents a number or this, and its HTTP library refuses any other.
TIMEOUT = Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
LOCAL_SERVICE_MODEL = "local-service"


def local_chat_client(settings: Settings) -> Any:
    """The local tier: the embedded model, a GGUF file, or an OpenAI-compatible local server.

    Args:
        settings: The course settings; `settings.local` says which backend and model.

    Returns:
        An Agent Framework chat client (`EmbeddedChatClient` or `OpenAIChatCompletionClient`).
    """
    local = settings.local
    if local.backend in ("embedded", "gguf"):
        return EmbeddedChatClient(model_path=local.gguf_path)
    # Foundry Local, Ollama and most local servers speak Chat Completions, not the Responses API.
    http = AsyncOpenAI(base_url=local.base_url, api_key=reveal(local.api_key), timeout=TIMEOUT, max_retries=1)
    return OpenAIChatCompletionClient(model=local.model, async_client=http)


def cloud_chat_client(settings: Settings, service: LocalService | None = None) -> OpenAIChatClient:
    """The cloud tier: a Responses-API client (stores conversations server-side by default).

    Args:
        settings: The course settings; `settings.cloud` says which backend (the local service, OpenAI, Azure).
        service: The running LocalService when the cloud tier is the offline default, else None.

    Returns:
        An `OpenAIChatClient` for that backend.

    Raises:
        TierUsageError: (a ValueError) The offline cloud tier was asked for without a running LocalService.
    """
    cloud = settings.cloud
    if cloud.backend == "local_service":
        if service is None:
            raise TierUsageError(
                "cloud",
                "not_ready",
                "The offline cloud tier needs the course's running service, and none was given. Use start_tiers(), "
                "which starts it, or pass service=LocalService().start() (or the service from "
                "running_local_service()).",
            )
        http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=TIMEOUT, max_retries=1)
        return OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http)
    if cloud.backend == "azure_openai":
        http = AsyncAzureOpenAI(
            azure_endpoint=cloud.azure_endpoint,
            api_key=reveal(cloud.api_key),
            api_version=cloud.api_version,
            timeout=TIMEOUT,
            max_retries=2,
        )
        return OpenAIChatClient(model=cloud.model, async_client=http)
    http = AsyncOpenAI(api_key=reveal(cloud.api_key), base_url=cloud.base_url, timeout=TIMEOUT, max_retries=2)
    return OpenAIChatClient(model=cloud.model, async_client=http)


@dataclass
class Answer:
    """One stateless answer from one tier (from `Tiers.answer`).

    Attributes:
        text: The answer's text.
        tier: "local" or "cloud".
        seconds: How long the tier took.
        input_tokens: The tokens it was sent, when the backend reports them.
        output_tokens: The tokens it wrote, when the backend reports them.
    """

    text: str
    tier: str
    seconds: float
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass
class Tiers:
    """Both tiers' clients, and the local service when the offline cloud tier needs one (made by `start_tiers`).

    Attributes:
        settings: The settings the tiers were made from.
        local_client: The local tier's chat client.
        cloud_client: The cloud tier's chat client.
        service: The LocalService behind the offline cloud tier, or None for a real endpoint.
        problems: Tiers that failed `check()`, with the error that names the fix.
        closed: True once `close()` stopped the course's service; asking the cloud tier then says so in one line.
    """

    settings: Settings
    local_client: Any
    cloud_client: OpenAIChatClient
    service: LocalService | None = field(default=None, repr=False)
    # Tiers that failed `check()`: asking them again repeats the short reason instead of a new traceback.
    problems: dict[str, TierError] = field(default_factory=dict, repr=False)
    closed: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.service is not None:
            # Agents made before close() hold the client itself, not this object: the client refuses in one line.
            self.cloud_client.chat_middleware.append(_refuse_when_closed(lambda: self.closed))

    def client(self, tier: str) -> Any:
        """The tier's chat client.

        Args:
            tier: "local" or "cloud".

        Returns:
            That tier's chat client.

        Raises:
            TierUsageError: (a ValueError) `tier` is neither "local" nor "cloud".
            TierError: `check()` found that tier unusable, or `close()` stopped the cloud tier's service.
        """
        if tier not in TIERS:
            raise TierUsageError(
                tier, "unknown_tier", f"The tier must be 'local' or 'cloud', not {tier!r}: pass one of those."
            )
        if tier == "cloud" and self.closed:
            raise _closed_error()
        if tier in self.problems:
            raise TierError(
                tier,
                "not_ready",
                f"The {tier} tier is not ready: {self.problems[tier]} "
                "After fixing it, restart the kernel and run the lab from the top.",
            )
        return self.local_client if tier == "local" else self.cloud_client

    async def check(self) -> dict[str, float]:
        """Ask each tier for a few tokens: seconds per tier, or one TierError naming the fix for each failure.

        Against a paid endpoint this costs a handful of tokens. Run it before anything else uses a tier.
        The clients' own timeouts bound it (CONNECT_TIMEOUT_S for a host that does not answer).
        """
        self.problems.clear()
        seconds: dict[str, float] = {}
        for tier in TIERS:
            try:
                seconds[tier] = (await self.answer(tier, "Reply with OK.", max_tokens=16)).seconds
            except TierError as error:
                self.problems[tier] = error
        if self.problems:
            first = next(iter(self.problems.values()))
            raise TierError(first.tier, first.kind, "\n".join(str(problem) for problem in self.problems.values()))
        return seconds

    async def answer(self, tier: str, query: str, *, max_tokens: int = 200, instructions: str | None = None) -> Answer:
        """One stateless question to one tier, timed, with token counts when the backend reports them."""
        options: dict[str, Any] = {"max_tokens": max_tokens}
        if instructions:
            options["instructions"] = instructions
        if tier == "cloud":
            options["store"] = False  # a one-off question needs no server-side history
        client = self.client(tier)
        started = time.perf_counter()
        try:
            response = await client.get_response([Message("user", [query])], options=options)
        except Exception as error:
            service_url = self.service.base_url if self.service is not None and tier == "cloud" else None
            raise explain_failure(self.settings, tier, error, service_url=service_url) from error
        usage = response.usage_details or {}
        return Answer(
            response.text,
            tier,
            time.perf_counter() - started,
            usage.get("input_token_count"),
            usage.get("output_token_count"),
        )

    async def ask(self, tier: str, query: str, **kwargs: Any) -> str:
        return (await self.answer(tier, query, **kwargs)).text

    def close(self) -> None:
        """Stop the course's service; asking the cloud tier afterwards says so in one line, not a traceback."""
        if self.service is not None:
            self.service.stop()
            self.closed = True

    def __enter__(self) -> Tiers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _closed_error() -> TierError:
    return TierError(
        "cloud",
        "not_ready",
        "The cloud tier is closed: tiers.close() stopped the course's service. Restart the kernel and run "
        "the lab from the top.",
    )


def _refuse_when_closed(is_closed: Any) -> Any:
    """Chat middleware that raises the one-line TierError instead of a connection error once the service stopped."""

    @chat_middleware
    async def refuse_when_closed(context: ChatContext, call_next: Any) -> None:
        if is_closed():
            raise _closed_error()
        await call_next()

    return refuse_when_closed


def start_tiers(settings: Settings | None = None) -> Tiers:
    """Create both tiers, starting the local Responses service if the cloud tier is the offline default.

    Args:
        settings: The course settings; read from `.env` and the environment when None.

    Returns:
        Both tiers; call `close()` when done (the service also stops when Python exits).

    Raises:
        ServiceStartError: The offline cloud tier's local service did not start.
        ConfigError: A setting in `.env` is wrong (raised while loading the settings).
    """
    settings = settings or load_settings()
    service = None
    if settings.cloud.backend == "local_service":
        service = LocalService(token=reveal(settings.service_token)).start()
        atexit.register(service.stop)
    return Tiers(settings, local_chat_client(settings), cloud_chat_client(settings, service), service)
