"""Continue a suspended conversation in a brand-new Python process.

The parent passes the child nothing but the stored envelope (the versioned bytes around
`session.to_dict()`, see `modules.storage.envelope`) and the next question; the child
rebuilds the agent from the settings, restores the session with `AgentSession.from_dict`,
answers, and hands back the new envelope. Endpoints and keys reach the child through its
environment, never through the stored conversation.

    result = continue_in_new_process(envelope_bytes, "And then?", service=tiers.service)
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from modules.labkit.child_process import run_json_child

_SERVICE_URL_ENV = "COURSE_SERVICE_URL"
HANDOFF_TIMEOUT_S = 180.0
AGENT_NAME = "assistant"


class HandoffError(RuntimeError):
    """The child process could not continue the conversation."""


@dataclass
class HandoffResult:
    text: str
    envelope: bytes
    child_pid: int

    @property
    def session(self) -> dict[str, Any]:
        from modules.storage import decode

        return decode(_conversation_id(self.envelope), self.envelope).session


def continue_in_new_process(
    envelope: bytes,
    question: str,
    *,
    service: Any = None,
    store: bool = True,
    instructions: str | None = None,
    max_tokens: int = 120,
    timeout_s: float = HANDOFF_TIMEOUT_S,
) -> HandoffResult:
    """Run one more turn of the stored conversation in a fresh interpreter and return its answer and new envelope.

    `service` is the running LocalService in the offline default (None for real endpoints);
    `store` must match how the conversation was held: True for service-managed, False for in-memory.
    """
    env = {**os.environ}
    if service is not None:
        env[_SERVICE_URL_ENV] = service.base_url
        if service.token:
            env["LOCAL_SERVICE_TOKEN"] = service.token
    request = {
        "envelope": base64.b64encode(envelope).decode(),
        "question": question,
        "store": store,
        "instructions": instructions,
        "max_tokens": max_tokens,
    }
    reply = run_json_child(
        "modules.sessions.handoff", stdin=json.dumps(request), env=env, timeout_s=timeout_s, error=HandoffError
    )
    return HandoffResult(reply["text"], base64.b64decode(reply["envelope"]), reply["pid"])


def _conversation_id(envelope: bytes) -> str:
    return json.loads(envelope.partition(b"\n")[0])["conversation_id"]


async def _continue_here(request: dict[str, Any]) -> dict[str, Any]:
    from openai import AsyncOpenAI

    from modules.config import load_settings
    from modules.storage import decode, encode
    from modules.tiers.clients import LOCAL_SERVICE_MODEL, REQUEST_TIMEOUT_S, cloud_chat_client

    envelope = base64.b64decode(request["envelope"])
    record = decode(_conversation_id(envelope), envelope)
    settings = load_settings()
    if settings.cloud.backend == "local_service":
        from agent_framework.openai import OpenAIChatClient

        base_url = os.environ[_SERVICE_URL_ENV]
        api_key = os.environ.get("LOCAL_SERVICE_TOKEN") or "not-needed"
        client = OpenAIChatClient(
            model=LOCAL_SERVICE_MODEL,
            async_client=AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=REQUEST_TIMEOUT_S),
        )
    else:
        client = cloud_chat_client(settings)
    agent = client.as_agent(
        name=AGENT_NAME, instructions=request.get("instructions"), default_options={"store": request["store"]}
    )
    session = record.to_session()
    response = await agent.run(request["question"], session=session, options={"max_tokens": request["max_tokens"]})
    record.update_session(session)
    return {
        "text": response.text,
        "envelope": base64.b64encode(encode(record, compress_above=None)).decode(),
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_continue_here(json.loads(sys.stdin.read())))))
