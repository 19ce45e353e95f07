"""The framework-free conversation the persistence guide starts from: OpenAI-format history plus routing metadata.

context = ConversationContextManager("session_001", max_history=10)
context.add_exchange("Hello!", "Hi there!", "local", 0.08, {"complexity": "low"})
context.get_messages_for_local_model()        # the last 10 exchanges as [{"role", "content"}, ...]
context.export_conversation("conv.json")      # the guide's export format
session = await context.to_agent_session(agent)   # continue with agent.run(..., session=session)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_framework import AgentSession, HistoryProvider, Message

from modules.hybrid.errors import ServerSideHistoryError
from modules.hybrid.exchange import EXCHANGE_KEYS, exchange_metadata, normalize_exchanges
from modules.hybrid.sources import tier_of
from modules.hybrid.summary import conversation_flow, routing_summary
from modules.storage import ConversationNotFoundError, CorruptRecordError, validate_conversation_id
from modules.timeutil import epoch_from_iso, utc_iso, utc_now_iso

# Fields a caller may pass in an exchange's `metadata` that fill contract keys; anything else goes to "details".
_CALLER_FIELDS = ("model", "input_tokens", "output_tokens", "ttft_s", "forced", "messages_sent")
IN_MEMORY_SOURCE = "in_memory"  # where Agent Framework's InMemoryHistoryProvider keeps a session's messages


class ConversationContextManager:
    """One conversation kept client-side: messages in OpenAI format and one metadata entry per exchange.

    `max_history` (exchanges; None = all) bounds what `get_messages_for_local_model()` returns, for
    models with a small context window; the conversation itself keeps every message.

    Args:
        session_id: The conversation's id (letters, digits, `-`, `_`, `.`; it names the stored record).
        max_history: How many recent exchanges the local model is given; None for all.

    Raises:
        InvalidConversationIdError: `session_id` could escape a folder or a key.
    """

    def __init__(self, session_id: str, max_history: int | None = None) -> None:
        self.session_id = validate_conversation_id(session_id, "session id")
        self.max_history = max_history
        self.created_at = time.time()
        self.routing_metadata: list[dict[str, Any]] = []
        self._history: list[dict[str, str]] = []

    # ---- history -------------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, str]]:
        """The whole conversation as OpenAI-format messages (a copy)."""
        return [dict(m) for m in self._history]

    @property
    def last_source(self) -> str | None:
        """The tier that answered the latest exchange ('local' or 'cloud'), None before the first."""
        return self.routing_metadata[-1]["source"] if self.routing_metadata else None

    def add_exchange(
        self,
        user_message: str,
        assistant_message: str,
        source: str,
        response_time: float,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record one question and answer; returns its metadata entry. An unknown source records nothing."""
        tier_of(source)  # validate before changing anything
        entry = self._entry(source, response_time, metadata, messages_sent=len(self._message_list()) + 1)
        self._append_messages(user_message, assistant_message, tier_of(source))
        self.routing_metadata.append(entry)
        return entry

    def get_messages_for_local_model(self, system_prompt: str | None = None) -> list[dict[str, str]]:
        """The latest `max_history` exchanges in OpenAI format, with an optional system prompt first."""
        messages = self.messages
        if self.max_history is not None:
            messages = messages[-2 * self.max_history :] if self.max_history > 0 else []
        return ([{"role": "system", "content": system_prompt}] if system_prompt else []) + messages

    def clear_conversation(self) -> None:
        """Forget every message and metadata entry (persist first if you want to keep them)."""
        self._history.clear()
        self.routing_metadata.clear()

    # ---- analytics -------------------------------------------------------------------------------

    def get_routing_summary(self) -> dict[str, Any]:
        """Exchanges, model switches, distribution, and latency, tokens and cost per source."""
        return {"session_id": self.session_id, **routing_summary(self.routing_metadata)}

    def get_conversation_flow(self) -> list[dict[str, Any]]:
        """One row per exchange, in order: tier, switch, fallback, why, and the question's beginning."""
        return conversation_flow(self.routing_metadata, self.messages)

    # ---- the persistence guide's export format ----------------------------------------------------

    def export_conversation(self, path: Path | str) -> Path:
        """Write the conversation in the persistence guide's JSON export format (readable, indented)."""
        path = Path(path)
        routing = [
            {
                "exchange_id": entry["turn"],
                "timestamp": utc_iso(entry.get("at")),
                "source": entry.get("source_label", entry["source"]),
                "response_time": entry["response_time_s"],
                "model_switch": entry["switched"],
                "metadata": {k: v for k, v in entry.items() if k not in ("turn", "at", "source", "source_label")},
            }
            for entry in self.routing_metadata
        ]
        document = {
            "session_id": self.session_id,
            "created_at": utc_iso(self.created_at),
            "last_updated": utc_now_iso(),
            "messages": self.messages,
            "routing_metadata": routing,
            "routing_summary": {k: v for k, v in routing_summary(self.routing_metadata).items() if k != "by_source"},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load_conversation(cls, path: Path | str, *, max_history: int | None = None) -> ConversationContextManager:
        """Read a file written by `export_conversation` (or by the persistence guide's export)."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConversationNotFoundError(
                None, f"There is no file {path}.", "Check the path; export_conversation(path) writes one."
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise CorruptRecordError(
                None, f"{path} is not valid JSON.", "Restore it from a backup; the file was not changed."
            ) from None
        if not (isinstance(document, dict) and isinstance(document.get("messages"), list)):
            raise CorruptRecordError(
                None,
                f"{path} is not a conversation export (no 'messages' list).",
                "Pass a file written by export_conversation(); the file was not changed.",
            )
        context = cls(str(document.get("session_id") or path.stem), max_history=max_history)
        for message in document["messages"]:
            context._history.append({"role": str(message.get("role", "user")), "content": _text_of(message)})
        context.routing_metadata = normalize_exchanges([_from_export(e) for e in document.get("routing_metadata", [])])
        created = epoch_from_iso(document.get("created_at"))
        context.created_at = created if created is not None else context.created_at
        return context

    # ---- handing the conversation to an agent ------------------------------------------------------

    async def to_agent_session(self, agent: Any) -> AgentSession:
        """A new `AgentSession` of `agent` holding this whole history, so `agent.run(q, session=...)` continues it."""
        check_client_side_history(agent)
        session = agent.create_session(session_id=self.session_id)
        session.state[IN_MEMORY_SOURCE] = {"messages": [Message(m["role"], [m["content"]]) for m in self.messages]}
        return session

    # The persistence guide's name (its AgentThread is today's AgentSession).
    to_agent_thread = to_agent_session

    # ---- where the messages live (HybridAgentContextManager keeps them in an AgentSession instead) --------

    def _message_list(self) -> list[Any]:
        return self._history

    def _append_messages(self, user_message: str, assistant_message: str, tier: str) -> None:
        self._history += [
            {"role": "user", "content": user_message},
            {"role": "assistant", "content": assistant_message},
        ]

    def _entry(
        self, source: str, response_time: float, metadata: Mapping[str, Any] | None, **fields: Any
    ) -> dict[str, Any]:
        metadata = dict(metadata or {})
        caller = {k: metadata.pop(k) for k in _CALLER_FIELDS if k in metadata}
        return exchange_metadata(
            turn=len(self.routing_metadata) + 1,
            source=source,
            previous_source=self.last_source,
            response_time_s=response_time,
            details=metadata,
            label=source,
            **{**fields, **caller},
        )


def check_client_side_history(agent: Any) -> None:
    """Refuse an agent whose history would live on the service: the other tier's turns would never reach it.

    Args:
        agent: The Agent Framework agent to hand the conversation to.

    Raises:
        ServerSideHistoryError: The agent stores history on the service (store=True) or loads it from another
            history provider.
    """
    explicit = (getattr(agent, "default_options", None) or {}).get("store")
    stores = explicit if explicit is not None else getattr(getattr(agent, "client", None), "STORES_BY_DEFAULT", False)
    if stores:
        raise ServerSideHistoryError(
            f"Agent {getattr(agent, 'name', None)!r} stores the conversation on the service (store=True), so it would "
            "send only the newest message and never see the other tier's turns. Create it with "
            "default_options={'store': False}: the whole history then travels with every call."
        )
    others = [
        p.source_id
        for p in getattr(agent, "context_providers", None) or []
        if isinstance(p, HistoryProvider) and p.load_messages and p.source_id != IN_MEMORY_SOURCE
    ]
    if others:
        raise ServerSideHistoryError(
            f"Agent {getattr(agent, 'name', None)!r} loads history from {others}, not from the session both tiers "
            "share. Create it without a history provider; persist the conversation with persist_to_storage()."
        )


def _from_export(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A guide-format routing entry (exchange_id, timestamp, source, response_time, metadata) as contract keys."""
    if "exchange_id" not in entry:
        return dict(entry)
    nested = dict(entry.get("metadata") or {})
    known = {k: nested.pop(k) for k in list(nested) if k in EXCHANGE_KEYS or k in ("details", "source_label")}
    result = {
        **known,
        "turn": entry.get("exchange_id"),
        "at": epoch_from_iso(entry.get("timestamp")),
        "source": entry.get("source"),
        "response_time_s": entry.get("response_time"),
    }
    if nested:
        result["details"] = {**nested, **(result.get("details") or {})}
    return result


def _text_of(message: Mapping[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)
