"""The framework-free conversation the persistence guide starts from: OpenAI-format history plus routing metadata.

context = ConversationContextManager("session_001", max_history=10)
context.add_exchange("Hello!", "Hi there!", "local", 0.08, {"complexity": "low"})
context.get_messages_for_local_model()        # the last 10 exchanges as [{"role", "content"}, ...]
await context.save("conv.json")               # or any store; await other.resume("conv.json") reads it back
session = await context.to_agent_session(agent)   # continue with agent.run(..., session=session)

`save(store)` and `resume(store, conversation_id)` are the one way every manager persists: one versioned
`ConversationRecord` in any `ConversationStore` (a file path is a one-file store). `resume` also reads the
persistence guide's export files.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, Self

from agent_framework import AgentSession, HistoryProvider, Message

from modules.hybrid.errors import ServerSideHistoryError
from modules.hybrid.exchange import exchange_metadata, normalize_exchanges
from modules.hybrid.persistence import Target, as_store, openai_messages, store_key
from modules.hybrid.sources import tier_of
from modules.hybrid.summary import conversation_flow, routing_summary
from modules.storage import (
    Cipher,
    ConversationRecord,
    ConversationStore,
    CorruptRecordError,
    ExchangeJournal,
    OneFileStore,
    validate_conversation_id,
)

# Fields a caller may pass in an exchange's `metadata` that fill contract keys; anything else goes to "details".
_CALLER_FIELDS = ("model", "input_tokens", "output_tokens", "ttft_s", "forced", "messages_sent")
IN_MEMORY_SOURCE = "in_memory"  # where Agent Framework's InMemoryHistoryProvider keeps a session's messages
HYBRID_TAG = "hybrid"  # every stored hybrid conversation is tagged with it


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
        self.user_id: str | None = None  # whom the stored conversation belongs to (for per-user erasure)
        self.tags: list[str] = [HYBRID_TAG]
        self._history: list[dict[str, str]] = []
        # The revision last loaded from or saved to each store (a journal: its revision of the conversation).
        self._revisions: dict[str, int] = {}

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

    # ---- persistence: one versioned record in any store --------------------------------------------------

    def to_record(self) -> ConversationRecord:
        """The conversation as a `ConversationRecord` (session + routing metadata), ready for any store."""
        return ConversationRecord(
            conversation_id=self.session_id,
            session=self._session_dict(),
            user_id=self.user_id,
            routing_metadata=[dict(entry) for entry in self.routing_metadata],
            tags=list(self.tags),
            created_at=self.created_at,
            updated_at=time.time(),
        )

    async def save(self, store: Target, *, cipher: Cipher | None = None) -> int:
        """Save the conversation to a store (a file path: a one-file store), in a worker thread.

        Args:
            store: a store from `modules.storage` (an `ExchangeJournal` is given only the new exchanges), or a
                file path.
            cipher: encrypts a file; a store uses its own cipher.

        Returns:
            Bytes written; for a journal, the number of exchanges appended.

        Raises:
            ConversationConflictError: another writer saved this conversation to `store` since this manager last
                loaded or saved it there (`ConversationErasedError`: it was erased meanwhile); nothing was
                written. Resume, add the exchange again, save.
            StorageError: the store failed (typed, naming the fix); the stored copy is unchanged.
        """
        write = self._writer(as_store(store, cipher=cipher))  # a snapshot, taken here on the caller's loop
        return await asyncio.to_thread(write)

    async def resume(
        self,
        store: Target,
        conversation_id: str | None = None,
        *,
        cipher: Cipher | None = None,
        allow_plaintext_migration: bool = False,
    ) -> Self:
        """Replace this manager's conversation with a stored one; on any error the manager is left as it was.

        After resuming, `session_id` is the stored conversation's id, so saving again updates the same record.

        Args:
            store: a store from `modules.storage`, or a file path (or a file the persistence guide wrote).
            conversation_id: the id to read; by default this manager's (a file path: whichever it holds).
            cipher: the key of an encrypted file; with it, a plaintext file is refused.
            allow_plaintext_migration: with a `cipher`, read a plaintext file anyway (a one-off migration).

        Returns:
            This manager.

        Raises:
            StorageError: not found, damaged (`CorruptRecordError`), wrong key, plaintext with a key
                (`PlaintextRecordError`), newer format: each names the fix.
        """
        store = as_store(store, cipher=cipher, allow_plaintext_migration=allow_plaintext_migration)
        record = await asyncio.to_thread(store.load, self._id_to_load(store, conversation_id))
        self._adopt(record, store)
        return self

    def _id_to_load(self, store: ConversationStore, conversation_id: str | None) -> str | None:
        if conversation_id is not None or isinstance(store, OneFileStore):
            return conversation_id  # a one-file store holds one conversation: None reads it, whatever its id
        return self.session_id

    def _writer(self, store: ConversationStore) -> Callable[[], int]:
        """The store call that saves a snapshot of this conversation (run it in a worker thread)."""
        key = store_key(store)
        expected = self._revisions.get(key, 0)
        if isinstance(store, ExchangeJournal):  # given copies of the lists: only the new tail is serialized
            messages, metadata = list(self._message_list()), list(self.routing_metadata)
            state = self._state_besides_messages()  # small (the compaction summary): stored with the newest row

            def append() -> int:
                appended = store.append(
                    self.session_id, messages, metadata, expected_revision=expected, user_id=self.user_id, state=state
                )
                self._revisions[key] = appended.revision
                return appended.exchanges

            return append
        record = self.to_record()
        record.revision = expected

        def save() -> int:
            written = store.save(record)
            self._revisions[key] = record.revision
            return written

        return save

    def _adopt(self, record: ConversationRecord, store: ConversationStore) -> None:
        """Take over a stored conversation (check everything first: a failure leaves this manager unchanged)."""
        messages = openai_messages(record)
        metadata = _stored_exchanges(record, store.location)
        self._history = messages
        self.session_id, self.routing_metadata, self.created_at = record.conversation_id, metadata, record.created_at
        self.user_id, self.tags = record.user_id, list(record.tags) or [HYBRID_TAG]
        self._revisions = {store_key(store): record.revision}

    def _state_besides_messages(self) -> dict[str, Any]:
        """The session's state other than its messages, serialized (this manager keeps none)."""
        return {}

    def _session_dict(self) -> dict[str, Any]:
        session = AgentSession(session_id=self.session_id).to_dict()
        messages = [Message(m["role"], [m["content"]]).to_dict() for m in self._history]
        session["state"] = {IN_MEMORY_SOURCE: {"messages": messages}}
        return session

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
            "share. Create it without a history provider; save the conversation with save(store)."
        )


def _stored_exchanges(record: ConversationRecord, where: str) -> list[dict[str, Any]]:
    """A stored record's routing metadata, normalized; damage is a typed `CorruptRecordError`."""
    try:
        return normalize_exchanges(record.routing_metadata)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RecursionError) as error:
        # The built-in errors' own messages may quote stored conversation text: name only their type.
        raise CorruptRecordError(
            record.conversation_id,
            f"{where} holds no usable hybrid conversation (a field has the wrong shape: {type(error).__name__}).",
            "Restore it from a backup, or start a new conversation; nothing was changed.",
        ) from None
