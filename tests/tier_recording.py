"""Both real tiers (the embedded model and the course's Responses service), each with the test's own recorder."""

from __future__ import annotations

from types import SimpleNamespace

from agent_framework import ChatContext, ChatMiddleware
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.config import load_settings
from modules.tiers import EmbeddedChatClient, Tiers
from modules.tiers.clients import LOCAL_SERVICE_MODEL


class ClientRecorder(ChatMiddleware):
    """The test's own record of what a chat client was given and what came back, independent of the manager's."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    async def process(self, context: ChatContext, call_next) -> None:
        call = {"messages": [(str(m.role), m.text) for m in context.messages], "answer": None, "usage": None}
        self.calls.append(call)
        await call_next()
        call["answer"] = getattr(context.result, "text", None)
        call["usage"] = getattr(context.result, "usage_details", None)
        call["response_id"] = getattr(context.result, "response_id", None)


def recorded_tiers(service) -> SimpleNamespace:
    """Per test: an async HTTP client belongs to the event loop it was first used in, and each test has its own."""
    local_log, cloud_log = ClientRecorder(), ClientRecorder()
    http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=180, max_retries=0)
    cloud = OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http, middleware=[cloud_log])
    tiers = Tiers(load_settings(), EmbeddedChatClient(middleware=[local_log]), cloud)  # the fixture owns the service
    return SimpleNamespace(tiers=tiers, local=local_log, cloud=cloud_log, http=http, service=service)
