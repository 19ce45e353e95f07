"""Tool calls in the page's transcript, and Approve / Reject of a pending call through `modules.hybrid.approvals`.

    transcript = with_tool_calls(context, exchanges, transcript)   # user, tool calls, answer: per exchange
    pending_in(context)                                            # the calls waiting for a decision
    await decide_in_store(manager, store, request_id, approve=True)   # save, book, decide, complete

A pending approval is conversation state: Agent Framework keeps the request in the session
(`session.state["tool_approval"]`), so Save and Resume carry it like any message, also across a restart of the page.
Deciding goes through the course's one approval mechanism: the conversation is saved, its pending requests are
entered in the store's approval book (`book_pending`), and `decide` records the decision durably before the tool
runs, so a call is decided once and runs at most once; the page then resumes the conversation from the store.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from modules.chat_app.errors import ApprovalConflictError, UnknownApprovalError
from modules.chat_app.manager import ToolCallingManager
from modules.hybrid import (
    ApprovalError,
    ToolInterruptedError,
    book_pending,
    complete_decided,
    decide,
    pending_approvals,
)
from modules.storage import ConversationConflictError, ConversationStore

DECIDED_BY = "the chat page"
_TOOL_CONTENTS = ("function_call", "function_result", "function_approval_request", "function_approval_response")


def _messages(context: Any) -> list[Any]:
    session = getattr(context, "session", None)
    if session is None:
        return []
    return (session.state.get("in_memory") or {}).get("messages") or []


def pending_in(context: Any) -> list[dict[str, Any]]:
    """The tool calls waiting for a decision in this conversation: request id, tool, arguments.

    Args:
        context: The manager's conversation (`manager.context`); one without a session has none.

    Returns:
        One entry per pending request, in the order they were made.
    """
    session = getattr(context, "session", None)
    state = (session.state.get("tool_approval") or {}) if session is not None else {}
    pending = []
    for raw in state.get("pending_approval_requests") or []:
        request = raw if isinstance(raw, dict) else raw.to_dict()
        call = request.get("function_call") or {}
        pending.append(
            {"request_id": request["id"], "tool": call.get("name"), "arguments": _parsed(call.get("arguments"))}
        )
    return pending


def with_tool_calls(
    context: Any, exchanges: list[dict[str, Any]], transcript: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The transcript with each turn's tool calls between the question and the answer.

    A turn is a question and everything that follows it: the calls the tier made (with their results, or a pending
    or refused approval) and its answer, which carries the turn's exchange. A conversation without tool calls keeps
    `transcript` as it is.

    Args:
        context: The manager's conversation.
        exchanges: Its routing metadata, one entry per turn.
        transcript: The page's transcript without tool calls.

    Returns:
        The transcript to draw: user, tool (one per call) and assistant entries.
    """
    messages = _messages(context)
    if not any(c.type in _TOOL_CONTENTS for m in messages for c in m.contents):
        return transcript
    pending = {p["request_id"] for p in pending_in(context)}
    turns: list[list[Any]] = []
    for message in messages:
        if message.role == "user" and message.text:
            turns.append([message])
        elif turns:
            turns[-1].append(message)
    drawn: list[dict[str, Any]] = []
    for number, turn in enumerate(turns):
        contents = [c for m in turn for c in m.contents]
        results = {c.call_id: c for c in contents if c.type == "function_result"}
        requests = {c.function_call.call_id: c for c in contents if c.type == "function_approval_request"}
        answers = {c.id: c.approved for c in contents if c.type == "function_approval_response"}
        drawn.append({"role": "user", "content": turn[0].text})
        seen: set[str] = set()
        for call in (c for c in contents if c.type == "function_call"):
            if call.call_id in seen:
                continue  # the approved call is repeated when it runs
            seen.add(call.call_id)
            entry = {"role": "tool", "tool": call.name, "arguments": _parsed(call.arguments), "status": "called"}
            request = requests.get(call.call_id)
            if request is not None:
                entry["request_id"] = request.id
                if request.id in pending:
                    entry["status"] = "pending"
                elif answers.get(request.id) is False:
                    entry["status"] = "rejected"
            if call.call_id in results and entry["status"] != "rejected":
                entry |= {"status": "done", "result": _text(results[call.call_id].result)}
            drawn.append(entry)
        answer = next((m.text for m in reversed(turn) if m.role == "assistant" and m.text), "")
        exchange = exchanges[number] if number < len(exchanges) else None
        drawn.append({"role": "assistant", "content": answer, "exchange": exchange})
    return drawn


async def decide_in_store(
    manager: ToolCallingManager, store: ConversationStore, request_id: str, *, approve: bool
) -> None:
    """Approve or reject one pending call of the manager's conversation, run it (at most once), store the result.

    The conversation is saved as it is, its pending requests are booked, and `decide` completes the run on the
    agent of the tier that asked. A decision that was saved but not completed (the page stopped in between) is
    completed when the same decision is asked again.

    Args:
        manager: The page's manager of the conversation (a `HybridConversationManager`).
        store: The page's store.
        request_id: The request to decide.
        approve: True runs the tool; False tells the model it was refused.

    Raises:
        UnknownApprovalError: The conversation has no such request.
        ApprovalConflictError: It was decided already, the conversation moved on, the tool was interrupted, or
            another page saved the conversation meanwhile; the message says what to do.
    """
    conversation_id = manager.conversation_id
    booked = {p.request_id: p for p in await asyncio.to_thread(_listed, store, conversation_id)}
    waiting = {p["request_id"] for p in pending_in(manager.context)}
    entry = booked.get(request_id)
    if entry is None and request_id not in waiting:
        raise UnknownApprovalError(
            f"No tool call {request_id[:60]!r} waits for a decision in conversation {conversation_id}. Reload the "
            "page to see the calls that do."
        )
    asked = "approve" if approve else "reject"
    if entry is not None and entry.status != "pending":
        if entry.status == "completed" or (entry.decision == "approved") != approve:
            raise ApprovalConflictError(
                f"The call to {entry.tool} was already {entry.decision} (by {entry.decided_by}); a call is decided "
                f"once, so it cannot be {asked}d now. Reload the page to see its result; to run the tool again, ask "
                "again."
            )
    tier = manager.context.last_source or "local"  # the tier of the turn that asked: no turn follows a pending call
    agent, options = manager.agents[tier], {"max_tokens": manager.max_tokens}
    try:
        if entry is None or entry.status == "pending":
            await manager.save(store)  # the conversation as it waits: the decision is checked against it
            await asyncio.to_thread(book_pending, store, conversation_id, manager.context.session, asked_by=tier)
            await decide(
                agent, store, request_id, approve=approve, decided_by=DECIDED_BY, conversation_id=conversation_id,
                options=options,
            )  # fmt: skip
        else:
            await complete_decided(agent, store, conversation_id, options=options)
    except ConversationConflictError:
        raise ApprovalConflictError(
            f"Conversation {conversation_id} was saved from another page since this page loaded it, so nothing was "
            "decided. Resume it, then decide there."
        ) from None
    except ToolInterruptedError:
        raise ApprovalConflictError(
            f"The page stopped while {entry.tool if entry else 'the tool'} was running, so whether it took effect is "
            "unknown; the page will not run it twice. Check its effect (the outbox) and settle it with "
            "modules.hybrid.mark_tool_result."
        ) from None
    except ApprovalError as error:  # decided meanwhile elsewhere, or the conversation moved on
        raise ApprovalConflictError(f"{error} Reload the page to see the conversation as it is.") from None


def _listed(store: ConversationStore, conversation_id: str) -> list[Any]:
    return pending_approvals(store, conversation_id, include_decided=True)


def _parsed(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except json.JSONDecodeError:
            return arguments
    return arguments


def _text(result: Any) -> str:
    if isinstance(result, list):
        return "".join(getattr(item, "text", None) or str(getattr(item, "result", "") or "") for item in result)
    return result if isinstance(result, str) else json.dumps(result, default=str)
