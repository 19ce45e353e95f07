"""Tool approvals that survive: suspend on a pending approval, decide in another process, run the tool exactly once.

    # process 1: the agent wants to call a tool declared with approval_mode="always_require"
    result = await run_until_approval(agent, "Pay Ana 20 euros.", session=session, store=store, asked_by="ana")
    # ... the process may end here; the conversation and its pending approval are in the store

    # process 2 (any later time, any machine sharing the store)
    [pending] = pending_approvals(store, conversation_id)      # tool, arguments, who asked, when
    result = await decide(agent, store, pending, approve=True, decided_by="bob")   # the tool runs, the run completes

    # a conversation saved its own way (a HybridConversationManager's save, the chat page): book, then decide
    book_pending(store, conversation_id, session)

Where the state lives. Agent Framework 1.23 keeps the pending request in the session
(`session.state["tool_approval"]`), and `session.to_dict()` carries it, so the conversation record of any store
(`modules.storage`: file, SQLite, Redis) holds it for both session kinds. What the session does not hold is the
*decision* and whether the tool already ran: Agent Framework silently ignores a second approval and would run the
tool again after a crash. Both are kept in the course's store, in an approval book: a record of its own under
`<conversation id>.approvals` (same owner, so erasure removes it too), saved with the store's revision check.

Exactly once. The decision is saved before anything runs; the tool call is marked `executing` before the tool
runs and `executed` (with its result) right after. After a crash:
    decided, not executing   -> `complete_decided` runs the tool (it never ran)
    executed                 -> `complete_decided` hands the recorded result to the model (the tool is not run again)
    executing (crashed inside the tool) -> ToolInterruptedError: only the tool's own records can say whether its
                                           effect happened; the course never guesses (at most once, never twice).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_framework import AgentSession, Content, FunctionInvocationContext, FunctionMiddleware, Message

from modules.hybrid.errors import HybridError
from modules.storage import ConversationNotFoundError, ConversationRecord, ConversationStore

BOOK_SUFFIX = ".approvals"
BOOK_TAG = "approval-book"
_STATE_KEY = "tool_approval"  # where Agent Framework keeps approval state in session.state
_PENDING_KEY = "pending_approval_requests"


class ApprovalError(HybridError):
    """Base class: a tool approval cannot be decided or completed as asked."""


class ApprovalAlreadyDecidedError(ApprovalError):
    """The request was approved or rejected already; a decision is made once."""


class ApprovalFromAnotherConversationError(ApprovalError):
    """The request does not belong to the conversation it was decided in."""


class ConversationMovedOnError(ApprovalError):
    """The conversation went on after the request, so the request no longer applies."""


class ToolInterruptedError(ApprovalError):
    """The process stopped while the approved tool was running: whether its effect happened is unknown here."""


class NothingToCompleteError(ApprovalError):
    """`complete_decided` found no decided approval waiting to be completed."""


@dataclass(frozen=True)
class PendingApproval:
    """One tool call waiting for a person's decision.

    Attributes:
        request_id: Agent Framework's approval request id.
        conversation_id: The conversation it belongs to.
        tool: The function's name.
        arguments: The arguments it would be called with (JSON text).
        asked_by: Who (or which agent) made the request.
        asked_at: When, in epoch seconds.
        status: pending, approved, rejected, executing, executed or completed.
        decision: approved or rejected, once decided (None while pending).
        decided_by: Who decided, once decided.
    """

    request_id: str
    conversation_id: str
    tool: str
    arguments: str
    asked_by: str | None
    asked_at: float
    status: str
    decision: str | None = None
    decided_by: str | None = None


async def run_until_approval(
    agent: Any,
    query: Any,
    *,
    session: AgentSession,
    store: ConversationStore,
    conversation_id: str | None = None,
    asked_by: str | None = None,
    user_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> Any:
    """Run one turn; save the conversation, and any approval it stopped on, to `store`.

    Args:
        agent: The Agent Framework agent (its tools may require approval).
        query: The user's message.
        session: The conversation's session (in-memory or service-managed).
        store: Any store from `modules.storage`.
        conversation_id: The id to store it under; the session id when None.
        asked_by: Who asked (shown with each pending approval).
        user_id: The conversation's owner, for per-user listing and erasure.
        options: Run options (`tool_choice`, `max_tokens`, ...).

    Returns:
        Agent Framework's response; `response.user_input_requests` lists the approvals it stopped on.

    Raises:
        StorageError: The store failed; see the error for the fix.
    """
    conversation_id = conversation_id or session.session_id
    result = await agent.run(query, session=session, options=dict(options or {}))
    await asyncio.to_thread(_save_conversation, store, conversation_id, session, user_id)
    await asyncio.to_thread(_book, store, conversation_id, session, result.user_input_requests, asked_by, user_id)
    return result


def book_pending(
    store: ConversationStore, conversation_id: str, session: AgentSession, *, asked_by: str | None = None
) -> list[PendingApproval]:
    """Enter the approvals `session` waits on into the store's approval book (those not entered yet).

    For a conversation saved its own way (the chat page's hybrid conversations) rather than by
    `run_until_approval`: save the conversation first, then book its pending requests, then `decide`.

    Args:
        store: The store the conversation was saved to, as `session` holds it now.
        conversation_id: The conversation.
        session: Its session; Agent Framework keeps the pending requests in its state.
        asked_by: Who (or which agent) made the requests.

    Returns:
        The approvals now pending in the book, oldest first.

    Raises:
        ConversationConflictError: Someone else changed the book at the same moment; call it again.
    """
    _book(store, conversation_id, session, _requests_in(session), asked_by, None)
    return pending_approvals(store, conversation_id)


def _book(
    store: ConversationStore,
    conversation_id: str,
    session: AgentSession,
    requests: Sequence[Content],
    asked_by: str | None,
    user_id: str | None,
) -> None:
    """Add a pending entry per new approval request, marked with where the conversation stands now."""
    book = _load_book(store, conversation_id, user_id)
    entries = _entries(book)
    for request in requests:
        if request.type != "function_approval_request" or request.function_call is None or request.id in entries:
            continue
        call = request.function_call
        entries[request.id] = {
            "tool": call.name,
            "arguments": call.arguments if isinstance(call.arguments, str) else _json(call.arguments),
            "call_id": call.call_id,
            "asked_by": asked_by,
            "asked_at": time.time(),
            "status": "pending",
            "marker": _marker(session),
        }
    store.save(book)


def pending_approvals(
    store: ConversationStore, conversation_id: str, *, include_decided: bool = False
) -> list[PendingApproval]:
    """The approvals of a stored conversation that wait for a decision (with `include_decided`, all of them).

    Args:
        store: The store the conversation was saved to.
        conversation_id: The conversation.
        include_decided: Also list approved, rejected and completed ones.

    Returns:
        Oldest first.
    """
    try:
        book = store.load(conversation_id + BOOK_SUFFIX)
    except ConversationNotFoundError:
        return []
    listed = [_pending(conversation_id, request_id, e) for request_id, e in _entries(book).items()]
    return sorted((p for p in listed if include_decided or p.status == "pending"), key=lambda p: p.asked_at)


async def decide(
    agent: Any,
    store: ConversationStore,
    approval: PendingApproval | str,
    *,
    approve: bool,
    decided_by: str | None = None,
    conversation_id: str | None = None,
    middleware: Sequence[Any] = (),
    options: dict[str, Any] | None = None,
) -> Any:
    """Approve or reject a pending tool call, then complete the run (the tool runs at most once, if approved).

    Args:
        agent: An agent with the same tools as the one that asked (in this process or another).
        store: The store the conversation was saved to.
        approval: A `PendingApproval` from `pending_approvals`, or its request id (then give `conversation_id`).
        approve: True runs the tool; False tells the model it was refused.
        decided_by: Who decided (kept in the approval book).
        conversation_id: The conversation to decide in; the approval's own when None.
        middleware: Extra run middleware (after the decision is saved, before the tool runs).
        options: Run options for the model's answer.

    Returns:
        Agent Framework's response: the tool's result and the model's answer.

    Raises:
        ApprovalAlreadyDecidedError: The request was decided already (approving twice).
        ApprovalFromAnotherConversationError: The request belongs to another conversation.
        ConversationMovedOnError: The conversation had a newer turn since the request.
        ConversationConflictError: Someone else decided at the same moment; list the approvals again.
    """
    request_id = approval if isinstance(approval, str) else approval.request_id
    own = None if isinstance(approval, str) else approval.conversation_id
    conversation_id = conversation_id or own
    if conversation_id is None:
        raise ApprovalError(
            f"Which conversation is request {request_id!r} in? Pass conversation_id=..., or pass the PendingApproval "
            "that pending_approvals(store, conversation_id) listed."
        )
    if own is not None and own != conversation_id:
        raise ApprovalFromAnotherConversationError(
            f"Request {request_id!r} belongs to conversation {own!r}, not {conversation_id!r}. Decide it in its own "
            f"conversation: decide(agent, store, approval) without conversation_id."
        )
    book = await asyncio.to_thread(_load_book, store, conversation_id, None)
    entry = _entries(book).get(request_id)
    if entry is None:
        raise ApprovalFromAnotherConversationError(
            f"Conversation {conversation_id!r} has no approval request {request_id!r}: it belongs to another "
            f"conversation or was never made. List this conversation's requests with "
            f"pending_approvals(store, {conversation_id!r})."
        )
    if entry["status"] != "pending":
        raise ApprovalAlreadyDecidedError(
            f"Request {request_id!r} ({entry['tool']}) was already {entry['status']} by {entry.get('decided_by')!r}; "
            "a request is decided once. If its run did not finish (the process stopped), call "
            f"complete_decided(agent, store, {conversation_id!r}); to call the tool again, ask the agent again."
        )
    record = await asyncio.to_thread(store.load, conversation_id)
    session = record.to_session()
    if _marker(session) != entry["marker"] or _request_in(session, request_id) is None:
        raise ConversationMovedOnError(
            f"Conversation {conversation_id!r} went on after request {request_id!r} ({entry['tool']}) was made, so "
            "it no longer applies. Ask the agent again in the conversation as it is now."
        )
    decision = "approved" if approve else "rejected"
    entry |= {"status": decision, "decision": decision, "decided_by": decided_by, "decided_at": time.time()}
    await asyncio.to_thread(
        store.save, book
    )  # the decision is durable before anything runs; a concurrent decision gets a conflict error
    return await _complete(agent, store, record, session, book, request_id, middleware, options)


async def complete_decided(
    agent: Any,
    store: ConversationStore,
    conversation_id: str,
    *,
    middleware: Sequence[Any] = (),
    options: dict[str, Any] | None = None,
) -> Any:
    """Finish a run whose approval was decided but whose process stopped before the answer was saved.

    Args:
        agent: An agent with the same tools.
        store: The store the conversation was saved to.
        conversation_id: The conversation.
        middleware: Extra run middleware.
        options: Run options for the model's answer.

    Returns:
        Agent Framework's response.

    Raises:
        NothingToCompleteError: No decided approval waits to be completed.
        ToolInterruptedError: The process stopped inside the tool; see the message for what to do.
    """
    book = await asyncio.to_thread(_load_book, store, conversation_id, None)
    waiting = [(request_id, e) for request_id, e in _entries(book).items() if e["status"] in _UNFINISHED]
    if not waiting:
        raise NothingToCompleteError(
            f"Conversation {conversation_id!r} has no decided approval waiting to be completed. "
            f"pending_approvals(store, {conversation_id!r}, include_decided=True) shows each request's status."
        )
    request_id, entry = waiting[0]
    if entry["status"] == "executing":
        raise ToolInterruptedError(
            f"The process stopped while {entry['tool']} (request {request_id!r}) was running, so whether its effect "
            "happened is unknown here. Check the effect where the tool writes it; then call "
            f"mark_tool_result(store, {conversation_id!r}, {request_id!r}, result) if it happened, or "
            f"mark_tool_result(store, {conversation_id!r}, {request_id!r}, None) to let it run once more."
        )
    record = await asyncio.to_thread(store.load, conversation_id)
    return await _complete(agent, store, record, record.to_session(), book, request_id, middleware, options)


def mark_tool_result(store: ConversationStore, conversation_id: str, request_id: str, result: Any) -> None:
    """Settle a tool interrupted mid-run: its `result` if its effect happened, or None to let it run once more.

    Args:
        store: The store the conversation was saved to.
        conversation_id: The conversation.
        request_id: The interrupted request.
        result: What the tool returned (text), or None if it did not take effect.
    """
    book = _load_book(store, conversation_id, None)
    entry = _entries(book)[request_id]
    if entry["status"] != "executing":
        raise ApprovalError(f"Request {request_id!r} is {entry['status']}, not interrupted; nothing to settle.")
    entry |= {"status": "approved"} if result is None else {"status": "executed", "result": result}
    store.save(book)


_UNFINISHED = ("approved", "rejected", "executing", "executed")


class _ExactlyOnce(FunctionMiddleware):
    """Runs the approved tool only if the book says it has not run; records `executing` and `executed` durably."""

    def __init__(self, store: ConversationStore, book: ConversationRecord, request_id: str) -> None:
        self.store, self.book, self.request_id = store, book, request_id

    async def process(self, context: FunctionInvocationContext, call_next: Callable[[], Awaitable[None]]) -> None:
        entry = _entries(self.book)[self.request_id]
        if context.function.name != entry["tool"]:
            await call_next()
            return
        if entry["status"] == "executed":  # it ran before a crash: hand back what it returned, never run it again
            context.result = entry["result"]
            return
        if entry["status"] == "executing":
            raise ToolInterruptedError(f"{entry['tool']} was interrupted earlier; see complete_decided().")
        entry["status"] = "executing"
        await asyncio.to_thread(self.store.save, self.book)
        await call_next()
        entry |= {"status": "executed", "result": _result_text(context.result)}
        await asyncio.to_thread(self.store.save, self.book)


async def _complete(
    agent: Any,
    store: ConversationStore,
    record: ConversationRecord,
    session: AgentSession,
    book: ConversationRecord,
    request_id: str,
    middleware: Sequence[Any],
    options: dict[str, Any] | None,
) -> Any:
    entry = _entries(book)[request_id]
    request = _request_in(session, request_id)
    if request is None:
        raise ConversationMovedOnError(
            f"The session no longer holds request {request_id!r}; ask the agent again in the conversation as it is now."
        )
    approved = entry["status"] in ("approved", "executing", "executed")
    response = Message("user", [request.to_function_approval_response(approved=approved)])
    guard = _ExactlyOnce(store, book, request_id)
    result = await agent.run(response, session=session, middleware=[*middleware, guard], options=dict(options or {}))
    record.update_session(session)
    await asyncio.to_thread(store.save, record)
    entry["status"] = "completed"
    await asyncio.to_thread(store.save, book)
    return result


def _request_in(session: AgentSession, request_id: str) -> Content | None:
    return next((request for request in _requests_in(session) if request.id == request_id), None)


def _requests_in(session: AgentSession) -> list[Content]:
    """The approval requests Agent Framework keeps pending in the session's state."""
    state = session.state.get(_STATE_KEY) or {}
    return [Content.from_dict(raw) if isinstance(raw, dict) else raw for raw in state.get(_PENDING_KEY) or []]


def _marker(session: AgentSession) -> dict[str, Any]:
    """Where the conversation stands: the service's newest response id, and the number of messages kept here."""
    messages = (session.state.get("in_memory") or {}).get("messages") or []
    return {"service_session_id": session.service_session_id, "messages": len(messages)}


def _save_conversation(store: ConversationStore, conversation_id: str, session: AgentSession, user_id: str | None):
    try:
        record = store.load(conversation_id).update_session(session)
    except ConversationNotFoundError:
        record = ConversationRecord.from_session(session, conversation_id=conversation_id, user_id=user_id)
    store.save(record)


def _load_book(store: ConversationStore, conversation_id: str, user_id: str | None) -> ConversationRecord:
    try:
        return store.load(conversation_id + BOOK_SUFFIX)
    except ConversationNotFoundError:
        if user_id is None:
            try:
                user_id = store.load(conversation_id).user_id
            except ConversationNotFoundError:
                user_id = None
        return ConversationRecord(
            conversation_id=conversation_id + BOOK_SUFFIX,
            # an AgentSession's shape, as every store expects; it holds no conversation, only the approval entries
            session=AgentSession(session_id=conversation_id + BOOK_SUFFIX).to_dict() | {"state": {"approvals": {}}},
            user_id=user_id,
            tags=[BOOK_TAG],
        )


def _entries(book: ConversationRecord) -> dict[str, dict[str, Any]]:
    """The approval book's entries, by request id."""
    return book.session["state"]["approvals"]


def _pending(conversation_id: str, request_id: str, entry: dict[str, Any]) -> PendingApproval:
    return PendingApproval(
        request_id=request_id,
        conversation_id=conversation_id,
        tool=entry["tool"],
        arguments=entry["arguments"],
        asked_by=entry.get("asked_by"),
        asked_at=entry["asked_at"],
        status=entry["status"],
        decision=entry.get("decision"),
        decided_by=entry.get("decided_by"),
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=str)


def _result_text(result: Any) -> Any:
    if isinstance(result, list):
        return "".join(getattr(item, "text", None) or str(getattr(item, "result", "") or "") for item in result)
    return result if isinstance(result, (str, int, float, bool)) or result is None else _json(result)
