"""HybridAgentContextManager: one conversation in one Agent Framework session, with routing metadata beside it.

    manager = HybridAgentContextManager("session_123")
    manager.add_exchange_with_local("Hello!", "Hi there!", 0.08, {"complexity": "low"})
    await manager.initialize_agent_session(cloud_agent)           # an agent with store=False
    text, seconds = await manager.add_exchange_with_agent(cloud_agent, "Analyze this", "cloud")
    manager.get_routing_summary()["model_switches"]             # 1
    await manager.persist_to_storage("conversation.json")       # or any store from modules.storage
    resumed = HybridAgentContextManager("resumed")
    await resumed.resume_from_storage("conversation.json")

Why one session: the history lives client-side in `session.state["in_memory"]` (Agent Framework's
`InMemoryHistoryProvider` format), and every agent run sends all of it. A local exchange appends to
the same list, so whichever tier answers next sees every earlier turn. The stored form is one
versioned `ConversationRecord`: the session's `to_dict()` (the messages, from which `.messages` gives
the OpenAI format) and the routing metadata.

The manager remembers the revision it last loaded from or saved to each target, so a second manager
persisting the same conversation to the same place gets `ConversationConflictError` instead of
overwriting the first one's exchanges. Store and file calls run in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from agent_framework import AgentSession, Message

from modules.hybrid.context import IN_MEMORY_SOURCE, ConversationContextManager, check_client_side_history
from modules.hybrid.errors import AgentNotInitializedError, ServerSideHistoryError
from modules.hybrid.exchange import exchange_metadata, normalize_exchanges
from modules.hybrid.journal import ExchangeJournal
from modules.hybrid.persistence import Target, describe_target, load_record, save_record, target_key
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.session_restore import restore_session
from modules.hybrid.sources import tier_of
from modules.storage import Cipher, ConversationRecord, CorruptRecordError

HYBRID_TAG = "hybrid"


class HybridAgentContextManager(ConversationContextManager):
    """The guide's dual-format manager on today's API: an `AgentSession` plus per-exchange routing metadata.

    Args:
        session_id: The conversation's id; also the AgentSession's id.
        max_history: How many recent exchanges the local model is given; None for all.

    Raises:
        InvalidConversationIdError: `session_id` could escape a folder or a key.
    """

    def __init__(self, session_id: str, max_history: int | None = None) -> None:
        super().__init__(session_id, max_history=max_history)
        self.session = AgentSession(session_id=self.session_id)
        self.session.state[IN_MEMORY_SOURCE] = {"messages": []}
        self.agent: Any = None
        self.user_id: str | None = None
        self.tags: list[str] = [HYBRID_TAG]
        # What each agent call was given, per exchange: {"turn", "tier", "messages": [(role, text), ...]}.
        # Kept in memory for inspection; the conversation itself is in the session.
        self.sent_log: list[dict[str, Any]] = []
        # The revision last loaded from or saved to each target (a journal: its number of exchanges).
        self._revisions: dict[str, int] = {}

    # ---- history: the session's in-memory messages ---------------------------------------------------

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": str(m.role), "content": m.text or ""} for m in self._message_list()]

    def _message_list(self) -> list[Message]:
        return self.session.state.setdefault(IN_MEMORY_SOURCE, {}).setdefault("messages", [])

    def _append_messages(self, user_message: str, assistant_message: str, tier: str) -> None:
        self._message_list().extend(
            [Message("user", [user_message]), Message("assistant", [assistant_message], author_name=tier)]
        )

    def clear_conversation(self) -> None:
        super().clear_conversation()
        self.session.state[IN_MEMORY_SOURCE] = {"messages": []}
        self.sent_log.clear()

    async def to_agent_session(self, agent: Any) -> AgentSession:
        """A copy of this conversation's session for `agent` (same id and messages, authors kept)."""
        check_client_side_history(agent)
        return AgentSession.from_dict(self.session.to_dict())

    to_agent_thread = to_agent_session  # the persistence guide's name

    # ---- the guide's three ways to add an exchange -----------------------------------------------------

    async def initialize_agent_session(self, agent: Any) -> AgentSession:
        """Use `agent` for `add_exchange_with_agent` from now on; returns the session it will continue."""
        check_client_side_history(agent)
        self.agent = agent
        return self.session

    # The persistence guide's names (its AgentThread is today's AgentSession); see docs/api-migration.md.
    initialize_agent_thread = initialize_agent_session

    async def add_exchange_with_agent(
        self,
        agent: Any = None,
        prompt: str = "",
        source: str = "cloud",
        metadata: Mapping[str, Any] | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> tuple[str, float]:
        """Run `agent` on `prompt` with the whole conversation; record the exchange; return (text, seconds)."""
        agent = agent if agent is not None else self.agent
        if agent is None:
            raise AgentNotInitializedError(
                "No agent to run: pass one to add_exchange_with_agent(agent, ...) or call "
                "await manager.initialize_agent_session(agent) first."
            )
        tier = tier_of(source)
        check_client_side_history(agent)
        recorder = SentMessagesRecorder()
        started = time.perf_counter()
        # A failed run raises here and leaves the session exactly as it was.
        response = await agent.run(prompt, session=self.session, middleware=[recorder], options=dict(options or {}))
        seconds = time.perf_counter() - started
        usage = response.usage_details or {}
        fields = dict(metadata or {})
        fields.setdefault("model", getattr(getattr(agent, "client", None), "model", None))
        fields.setdefault("input_tokens", usage.get("input_token_count"))
        fields.setdefault("output_tokens", usage.get("output_token_count"))
        self._record(self._entry(source, seconds, fields, messages_sent=len(recorder.last)), tier, recorder.last)
        return response.text, seconds

    def add_exchange_with_local(
        self, prompt: str, response: str, response_time: float, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Record an exchange the local model answered outside any agent (you ran it yourself)."""
        return self.add_exchange(prompt, response, "local", response_time, metadata)

    def add_exchange_generic(
        self,
        prompt: str,
        response: str,
        source: str,
        response_time: float,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record an exchange from any source ('local', 'cloud' or an alias such as 'apim' or 'foundry')."""
        return self.add_exchange(prompt, response, source, response_time, metadata)

    def record_agent_exchange(
        self, *, source: str, response_time_s: float, sent: list[tuple[str, str]], **fields: Any
    ) -> dict[str, Any]:
        """Record metadata for an exchange an agent already added to `self.session` (used by the router's manager).

        `sent` is what the tier was given (a `SentMessagesRecorder` call); `fields` are further contract keys.
        """
        tier = tier_of(source)
        entry = exchange_metadata(
            turn=len(self.routing_metadata) + 1,
            source=tier,
            previous_source=self.last_source,
            response_time_s=response_time_s,
            messages_sent=len(sent),
            **fields,
        )
        self._record(entry, tier, sent)
        return entry

    def _record(self, entry: dict[str, Any], tier: str, sent: list[tuple[str, str]]) -> None:
        self.routing_metadata.append(entry)
        self.sent_log.append({"turn": entry["turn"], "tier": tier, "messages": list(sent)})

    # ---- persistence: one versioned record with both formats ---------------------------------------------

    def to_record(self) -> ConversationRecord:
        """The conversation as a `ConversationRecord` (session + routing metadata), ready for any store."""
        now = time.time()
        return ConversationRecord(
            conversation_id=self.session_id,
            session=self.session.to_dict(),
            user_id=self.user_id,
            routing_metadata=[dict(entry) for entry in self.routing_metadata],
            tags=list(self.tags),
            created_at=self.created_at,
            updated_at=now,
        )

    async def persist_to_storage(self, target: Target, *, cipher: Cipher | None = None) -> int:
        """Save the conversation to a file path, a store, or an `ExchangeJournal` (in a worker thread).

        Args:
            target: a file path, a store from `modules.storage`, or an `ExchangeJournal`.
            cipher: encrypts a file; a store uses its own cipher; a journal does not encrypt.

        Returns:
            Bytes written; for a journal, the number of exchanges appended (only those it does not have yet).

        Raises:
            ConversationConflictError: another writer saved this conversation to `target` since this manager
                last loaded or saved it there; nothing was written. Resume, add the exchange again, persist.
            StorageError: the target failed (typed, naming the fix); the stored copy is unchanged.
        """
        key = target_key(target)
        if isinstance(target, ExchangeJournal):  # given copies of the lists: only the new tail is serialized
            messages, metadata = list(self._message_list()), list(self.routing_metadata)
            appended = await asyncio.to_thread(
                target.append, self.session_id, messages, metadata, expected_turns=self._revisions.get(key, 0)
            )
            self._revisions[key] = len(metadata)
            return appended
        record = self.to_record()
        record.revision = self._revisions.get(key, 0)
        written = await asyncio.to_thread(save_record, record, target, cipher=cipher)
        self._revisions[key] = record.revision
        return written

    async def resume_from_storage(
        self,
        target: Target,
        agent: Any = None,
        *,
        conversation_id: str | None = None,
        cipher: Cipher | None = None,
        allow_plaintext_migration: bool = False,
    ) -> HybridAgentContextManager:
        """Replace this manager's conversation with a stored one (from a file, or a store by id).

        After resuming, `session_id` is the stored conversation's id, so persisting again updates the same
        record. On any error this manager is left exactly as it was.

        Args:
            target: a file path, a store, or an `ExchangeJournal`.
            agent: optionally, the agent to continue with (it must keep history client-side).
            conversation_id: the id to read from a store or journal; by default this manager's session id.
            cipher: the key of an encrypted file; with it, a plaintext file is refused.
            allow_plaintext_migration: with a `cipher`, read a plaintext file anyway (a one-off migration).

        Returns:
            This manager.

        Raises:
            StorageError: not found, damaged (`CorruptRecordError`), wrong key, plaintext with a key
                (`PlaintextRecordError`), newer format: each names the fix.
            ServerSideHistoryError: the stored conversation keeps its history on the service.
        """
        record = await asyncio.to_thread(
            load_record,
            target,
            conversation_id=conversation_id or self.session_id,
            cipher=cipher,
            allow_plaintext_migration=allow_plaintext_migration,
        )
        session, metadata = _hybrid_parts(record, describe_target(target))
        if session.service_session_id:
            raise ServerSideHistoryError(
                f"Conversation {record.conversation_id!r} in {describe_target(target)} keeps its history on the "
                f"service ({session.service_session_id}), so the local tier could not see it. Continue it with its "
                "service-managed agent (lab 03), or start a hybrid conversation."
            )
        if agent is not None:
            check_client_side_history(agent)
        # Only now, with everything read and checked, does this manager change.
        self.session, self.session_id = session, record.conversation_id
        self.routing_metadata, self.created_at = metadata, record.created_at
        self.user_id, self.tags = record.user_id, list(record.tags) or [HYBRID_TAG]
        self.sent_log = []
        self._revisions = {target_key(target): record.revision}
        if agent is not None:
            self.agent = agent
        return self


def _hybrid_parts(record: ConversationRecord, where: str) -> tuple[AgentSession, list[dict[str, Any]]]:
    """The session and normalized metadata of a stored record; any damage is a typed `CorruptRecordError`."""
    try:
        session = restore_session(record.session)  # AgentSession.from_dict's result, without its generic walk
        state = session.state.setdefault(IN_MEMORY_SOURCE, {})
        messages = state.setdefault("messages", []) if isinstance(state, dict) else None
        if not isinstance(messages, list) or not all(isinstance(m, Message) for m in messages):
            raise _WrongShape("its session's messages are not a list of messages")
        for message in messages:
            if not isinstance(message.text or "", str):
                raise _WrongShape("a message's text is not text")
        metadata = normalize_exchanges(record.routing_metadata)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RecursionError) as error:
        # The built-in errors' own messages may quote stored conversation text: name only their type.
        what = str(error) if isinstance(error, _WrongShape) else f"a field has the wrong shape: {type(error).__name__}"
        raise CorruptRecordError(
            record.conversation_id,
            f"{where} holds no usable hybrid conversation ({what}).",
            "Restore it from a backup, or start a new conversation; nothing was changed.",
        ) from None
    return session, metadata


class _WrongShape(ValueError):
    """A stored hybrid conversation's part has the wrong shape (reported as CorruptRecordError)."""
