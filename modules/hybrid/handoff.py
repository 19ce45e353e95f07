"""Continue a persisted hybrid conversation in a brand-new Python process, then persist it again.

    result = resume_hybrid_in_new_process("conv.json", "And the cheapest option?", service=tiers.service)
    result.text, result.tier, result.sent, result.child_pid

The parent passes the child only where the conversation is stored (a file, a FileStore directory
or a SqliteStore file) and the next question. The child builds the tiers from the settings (in the
offline default it reaches the parent's running local service), resumes the conversation, lets the
router pick a tier, answers with the whole history, and persists the result where it found it.
Keys reach the child through its environment (e.g. CONVERSATION_ENCRYPTION_KEY), never through
the request.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from modules.hybrid.errors import UnsupportedTargetError
from modules.runtime import environment_for_child, parent_service, run_json_child
from modules.sessions import HandoffError
from modules.storage import FileStore, SqliteStore

__all__ = ["HandoffError", "HybridHandoffResult", "resume_hybrid_in_new_process"]

HANDOFF_TIMEOUT_S = 300.0


@dataclass
class HybridHandoffResult:
    """What happened in the child process: the answer, the tier that gave it, and what that tier was sent."""

    text: str
    tier: str
    metadata: dict[str, Any]
    sent: list[tuple[str, str]]  # what the answering tier was given in the child process
    conversation_id: str
    child_pid: int


def resume_hybrid_in_new_process(
    target: str | os.PathLike | FileStore | SqliteStore,
    question: str,
    *,
    conversation_id: str | None = None,
    service: Any = None,
    force_tier: str | None = None,
    max_tokens: int = 32,
    context_tokens: Mapping[str, int] | None = None,
    timeout_s: float = HANDOFF_TIMEOUT_S,
) -> HybridHandoffResult:
    """Run one more routed turn of the stored conversation in a fresh interpreter; return what happened.

    Args:
        target: Where the conversation is stored: a JSON file path, a FileStore or a SqliteStore.
        question: The next question, routed in the child process.
        conversation_id: For a store, which conversation to continue.
        service: The running LocalService of the offline default (None for real endpoints).
        force_tier: "local" or "cloud" to bypass the router, or None to let it decide.
        max_tokens: The cap on the answer's length.
        context_tokens: The tiers' context windows in the child, e.g. `{"local": 512}` (what the conversation is
            compacted to: give the parent's, so the child sends what the parent would); None: the child's settings.
        timeout_s: How long the child may take, in seconds.

    Returns:
        The answer, the tier that gave it, its routing metadata, what that tier was sent, and the child's pid.

    Raises:
        UnsupportedTargetError: `target` is not a path, a FileStore or a SqliteStore.
        HandoffError: The child failed, timed out or printed no reply; nothing was saved.
    """
    request = {
        "target": _describe(target),
        "conversation_id": conversation_id,
        "question": question,
        "force_tier": force_tier,
        "max_tokens": max_tokens,
        "context_tokens": dict(context_tokens or {}),
    }
    reply = run_json_child(
        "modules.hybrid.handoff",
        "--child",
        stdin=json.dumps(request),
        env=environment_for_child(service),
        timeout_s=timeout_s,
        error=HandoffError,
        what="The child process (nothing was saved)",
    )
    reply["sent"] = [tuple(pair) for pair in reply["sent"]]
    return HybridHandoffResult(**reply)


def _describe(target: Any) -> dict[str, str]:
    if isinstance(target, SqliteStore):
        return {"kind": "sqlite", "path": str(Path(target.path).resolve())}
    if isinstance(target, FileStore):
        return {"kind": "file_store", "path": str(Path(target.directory).resolve())}
    if isinstance(target, (str, os.PathLike)):
        return {"kind": "file", "path": str(Path(target).resolve())}
    raise UnsupportedTargetError(
        f"Cannot hand a {type(target).__name__} to another process: give a file path, a FileStore or a SqliteStore."
    )


async def _continue_here(request: dict[str, Any]) -> dict[str, Any]:
    from modules.config import course_environment, load_settings
    from modules.hybrid.conversation import HybridConversationManager
    from modules.routing import HybridRouter
    from modules.storage import Cipher
    from modules.tiers import Tiers, cloud_chat_client, local_chat_client

    settings = load_settings()
    windows = request.get("context_tokens") or {}
    settings = replace(
        settings,
        local=replace(settings.local, context_tokens=windows.get("local", settings.local.context_tokens)),
        cloud=replace(settings.cloud, context_tokens=windows.get("cloud", settings.cloud.context_tokens)),
    )
    service = parent_service() if settings.cloud.backend == "local_service" else None
    tiers = Tiers(settings, local_chat_client(settings), cloud_chat_client(settings, service))
    cipher = Cipher.from_env(course_environment())
    kind, path = request["target"]["kind"], request["target"]["path"]
    target = (
        SqliteStore(path, cipher=cipher)
        if kind == "sqlite"
        else FileStore(path, cipher=cipher)
        if kind == "file_store"
        else path
    )
    conversation = HybridConversationManager(
        HybridRouter(), tiers, max_tokens=request["max_tokens"], cipher=None if kind != "file" else cipher
    )
    await conversation.resume(target, request["conversation_id"])
    turn = await conversation.chat(request["question"], force_tier=request["force_tier"])
    await conversation.save(target)
    return {
        "text": turn.text,
        "tier": turn.tier,
        "metadata": turn.metadata,
        "sent": turn.sent,
        "conversation_id": conversation.conversation_id,
        "child_pid": os.getpid(),
    }


if __name__ == "__main__":
    if sys.argv[1:] != ["--child"]:  # run by hand: explain instead of waiting for a request on stdin
        print(__doc__.strip() + "\n\nInternal entry point: resume_hybrid_in_new_process() runs it with --child.")
        sys.exit(0 if not sys.argv[1:] or sys.argv[1:] in (["-h"], ["--help"]) else 2)
    print(json.dumps(asyncio.run(_continue_here(json.loads(sys.stdin.read())))))
