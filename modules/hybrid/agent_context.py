"""HybridAgentContextManager: one conversation in one Agent Framework session, with routing metadata beside it.

    manager = HybridAgentContextManager("session_123")
    manager.add_exchange("Hello!", "Hi there!", "local", 0.08, {"complexity": "low"})   # you ran the model
    await manager.initialize_agent_session(cloud_agent)           # an agent with store=False
    text, seconds = await manager.ask("Analyze this", cloud_agent)  # runs the agent, records the exchange
    manager.get_routing_summary()["model_switches"]             # 1
    await manager.save("conversation.json")                     # or any store from modules.storage
    resumed = HybridAgentContextManager("resumed")
    await resumed.resume("conversation.json")

Why one session: the history lives client-side in `session.state["in_memory"]` (Agent Framework's
`InMemoryHistoryProvider` format), and every agent run sends all of it. A local exchange appends to
the same list, so whichever tier answers next sees every earlier turn. The stored form is one
versioned `ConversationRecord`: the session's `to_dict()` (the messages, from which `.messages` gives
the OpenAI format) and the routing metadata.

The manager remembers the revision it last loaded from or saved to each store, so a second manager
saving the same conversation to the same place gets `ConversationConflictError` instead of
overwriting the first one's exchanges. Store calls run in a worker thread, off the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Self

from agent_framework import AgentSession, Message

from modules.hybrid.context import (
    HYBRID_TAG,
    IN_MEMORY_SOURCE,
    ConversationContextManager,
    check_client_side_history,
)
from modules.hybrid.errors import AgentNotInitializedError, ServerSideHistoryError
from modules.hybrid.exchange import exchange_metadata, normalize_exchanges
from modules.hybrid.persistence import Target, store_key
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.session_restore import restore_session
from modules.hybrid.sources import tier_of
from modules.storage import Cipher, ConversationRecord, ConversationStore, CorruptRecordError


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
        # What each agent call was given, per exchange: {"turn", "tier", "messages": [(role, text), ...]}.
        # Kept in memory for inspection; the conversation itself is in the session.
        self.sent_log: list[dict[str, Any]] = []

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

    # ---- exchanges: `add_exchange` records one you ran yourself, `ask` runs an agent and records it ------------

    async def initialize_agent_session(self, agent: Any) -> AgentSession:
        """Use `agent` for `ask` from now on; returns the session it will continue."""
        check_client_side_history(agent)
        self.agent = agent
        return self.session

    async def ask(
        self,
        prompt: str,
        agent: Any = None,
        *,
        source: str = "cloud",
        metadata: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> tuple[str, float]:
        """Run `agent` on `prompt` with the whole conversation and record the exchange.

        Args:
            prompt: the question.
            agent: the agent to run (it must keep history client-side); by default the one given to
                `initialize_agent_session`.
            source: the tier it stands for ('local', 'cloud' or an alias such as 'apim' or 'foundry').
            metadata: further fields of the exchange's metadata entry.
            options: chat options for this run (e.g. {"max_tokens": 64}).

        Returns:
            The answer's text and the seconds it took.

        Raises:
            AgentNotInitializedError: no agent was given here or before.
            ServerSideHistoryError: the agent would keep the history on the service.
            UnknownSourceError: `source` names no tier. A failed run leaves the conversation as it was.
        """
        agent = agent if agent is not None else self.agent
        if agent is None:
            raise AgentNotInitializedError(
                "No agent to run: pass one to ask(prompt, agent) or call "
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

    def _record_run(
        self, *, source: str, response_time_s: float, sent: list[tuple[str, str]], **fields: Any
    ) -> dict[str, Any]:
        """Record metadata for an exchange an agent already added to `self.session` (the router's manager does).

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

    # ---- persistence: `save` and `resume` of ConversationContextManager, on the session ------------------------

    async def resume(
        self,
        store: Target,
        conversation_id: str | None = None,
        *,
        agent: Any = None,
        cipher: Cipher | None = None,
        allow_plaintext_migration: bool = False,
    ) -> Self:
        """Replace this manager's conversation with a stored one; on any error the manager is left as it was.

        After resuming, `session_id` is the stored conversation's id, so saving again updates the same record.

        Args:
            store: a store from `modules.storage`, or a file path (or a file the persistence guide wrote).
            conversation_id: the id to read; by default this manager's (a file path: whichever it holds).
            agent: optionally, the agent to continue with (it must keep history client-side).
            cipher: the key of an encrypted file; with it, a plaintext file is refused.
            allow_plaintext_migration: with a `cipher`, read a plaintext file anyway (a one-off migration).

        Returns:
            This manager.

        Raises:
            StorageError: not found, damaged (`CorruptRecordError`), wrong key, plaintext with a key
                (`PlaintextRecordError`), newer format: each names the fix.
            ServerSideHistoryError: the stored conversation keeps its history on the service.
        """
        if agent is not None:
            check_client_side_history(agent)
        await super().resume(store, conversation_id, cipher=cipher, allow_plaintext_migration=allow_plaintext_migration)
        if agent is not None:
            self.agent = agent
        return self

    def _adopt(self, record: ConversationRecord, store: ConversationStore) -> None:
        session, metadata = _hybrid_parts(record, store.location)
        if session.service_session_id:
            raise ServerSideHistoryError(
                f"Conversation {record.conversation_id!r} in {store.location} keeps its history on the "
                f"service ({session.service_session_id}), so the local tier could not see it. Continue it with its "
                "service-managed agent (lab 03), or start a hybrid conversation."
            )
        # Only now, with everything read and checked, does this manager change.
        self.session, self.session_id = session, record.conversation_id
        self.routing_metadata, self.created_at = metadata, record.created_at
        self.user_id, self.tags = record.user_id, list(record.tags) or [HYBRID_TAG]
        self.sent_log = []
        self._revisions = {store_key(store): record.revision}

    def _session_dict(self) -> dict[str, Any]:
        return self.session.to_dict()

    def _state_besides_messages(self) -> dict[str, Any]:
        """The session's state other than its messages (e.g. the compaction summary), serialized as `to_dict()`
        serializes it: a snapshot, without serializing the messages."""
        rest = AgentSession(session_id=self.session_id)
        rest.state = {key: value for key, value in self.session.state.items() if key != IN_MEMORY_SOURCE}
        return rest.to_dict()["state"]


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
