"""One stored conversation: the Agent Framework session as plain JSON plus the router's metadata.

    record = ConversationRecord.from_session(session, user_id="ana", ttl_s=7 * 86400)
    record.add_turn(tier="local", model="SmolLM2-135M-Instruct", latency_s=0.4)
    store.save(record)
    session = store.load(record.conversation_id).to_session()   # continue with agent.run(..., session=session)

The session part is exactly `AgentSession.to_dict()`; this module adds no second session type.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from agent_framework import AgentSession

from modules.storage.errors import InvalidConversationIdError, shown_id

# Ids become file names and Redis key segments, so only a conservative alphabet is allowed:
# no separators, no dots at the start (no "..", no hidden files), no spaces, NUL, glob or
# key-pattern characters. UUIDs (what AgentSession generates) and slugs fit.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")


def validate_conversation_id(value: object, what: str = "conversation id") -> str:
    """Return `value` if it is a safe id, else raise `InvalidConversationIdError` (before any I/O).

    Also used for user ids, tags and namespaces (`what` names which), since they become keys too.

    Args:
        value: The id to check.
        what: How the error message names it ("conversation id", "user id", "tag", ...).

    Returns:
        `value`, unchanged.

    Raises:
        InvalidConversationIdError: `value` is not a string of 1-128 safe characters.
    """
    if isinstance(value, str) and _SAFE_ID.fullmatch(value):
        return value
    rule = (
        "it must be 1-128 characters of letters, digits, '.', '_', '-', '@', starting with a letter or digit "
        "(no '/', '..', spaces, NUL, '*', ':' or other path/key characters)."
    )
    if not isinstance(value, str):
        cause = f"a {what} must be a string, not {type(value).__name__}."
    elif what == "conversation id":
        cause = f"this conversation id is not allowed: {rule}"
    else:
        cause = f"{what} {shown_id(value)} is not allowed: {rule}"
    conversation_id = value if what == "conversation id" and isinstance(value, str) else None
    raise InvalidConversationIdError(
        conversation_id, cause, "Use the session's id (a UUID) or a slug such as 'ana-2025-12-04'."
    )


@dataclass
class ConversationRecord:
    """A conversation as stored: serialized session, per-turn routing metadata, owner, tags, timestamps.

    Timestamps are epoch seconds. `revision` counts the saves of the stored copy this record was loaded
    from (0: never stored); `save()` refuses to replace a newer revision (see `modules.storage.revision`).

    Attributes:
        conversation_id: The conversation's id (also the session's id).
        session: The serialized session, `session.to_dict()`.
        user_id: The owner, for per-user listing and erasure, or None.
        routing_metadata: One metadata entry per exchange (the hybrid course's routing record).
        tags: Labels for listing.
        created_at: When the conversation was first stored.
        updated_at: When it was last stored.
        expires_at: When it expires, or None for never.
        revision: Which stored copy this record continues (0: never stored).

    A record a store's `load()` returned also carries `loaded_from`, (the store's location, the revision and the save
    time it was loaded at): not a field, so it is neither stored nor compared, and a record never loaded has none.
    """

    conversation_id: str
    session: dict[str, Any]
    user_id: str | None = None
    routing_metadata: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    expires_at: float | None = None
    revision: int = 0

    @classmethod
    def from_session(
        cls,
        session: AgentSession,
        *,
        conversation_id: str | None = None,
        user_id: str | None = None,
        routing_metadata: list[dict[str, Any]] | None = None,
        tags: list[str] | tuple[str, ...] = (),
        ttl_s: float | None = None,
    ) -> ConversationRecord:
        """Snapshot a live session; the conversation id defaults to the session id."""
        now = time.time()
        return cls(
            conversation_id=conversation_id or session.session_id,
            session=session.to_dict(),
            user_id=user_id,
            routing_metadata=list(routing_metadata or []),
            tags=list(tags),
            created_at=now,
            updated_at=now,
            expires_at=now + ttl_s if ttl_s is not None else None,
        )

    def to_session(self) -> AgentSession:
        """A live `AgentSession` to pass to `agent.run(..., session=...)`."""
        return AgentSession.from_dict(self.session)

    def update_session(self, session: AgentSession) -> ConversationRecord:
        """Take a new snapshot of the (continued) session; returns self for chaining."""
        self.session = session.to_dict()
        return self

    def add_turn(self, **metadata: Any) -> dict[str, Any]:
        """Append one turn's routing metadata (tier, model, reasons, latency_s, tokens, ...)."""
        entry = {"turn": len(self.routing_metadata) + 1, "at": time.time(), **metadata}
        self.routing_metadata.append(entry)
        return entry

    def as_new(self) -> ConversationRecord:
        """A copy to save as a new conversation (revision 0), e.g. again after deleting it from a store.

        A store saves it only where nothing is stored under its id; where the id was erased, its revisions
        continue after the erased conversation's (`modules.storage.revision`).

        Returns:
            A deep copy with `revision` 0; this record is unchanged.
        """
        return replace(copy.deepcopy(self), revision=0)

    def expire_in(self, ttl_s: float | None) -> ConversationRecord:
        """Set (or with None, clear) the expiry relative to now."""
        self.expires_at = time.time() + ttl_s if ttl_s is not None else None
        return self

    def is_expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (time.time() if now is None else now)

    @property
    def message_count(self) -> int:
        """Messages kept client-side in the session (0 for service-managed sessions)."""
        return sum(
            len(value.get("messages", []))
            for value in self.session.get("state", {}).values()
            if isinstance(value, dict)
        )

    def __repr__(self) -> str:
        # Short on purpose: a record's repr must not dump the conversation into logs.
        return (
            f"ConversationRecord({self.conversation_id!r}, user_id={self.user_id!r}, messages={self.message_count}, "
            f"turns={len(self.routing_metadata)}, tags={self.tags!r}, revision={self.revision})"
        )


@dataclass(frozen=True)
class ConversationSummary:
    """What `store.list()` returns: a record's index card, read without decrypting or decoding its body.

    Attributes:
        conversation_id: The conversation's id.
        user_id: Its owner, or None.
        tags: Its labels.
        created_at: When it was first stored (epoch seconds).
        updated_at: When it was last stored.
        expires_at: When it expires, or None.
        version: The envelope format version it was written in.
        codec: How its body is encoded, e.g. ("json", "zlib", "aes256gcm").
        size_bytes: Its size as stored.
    """

    conversation_id: str
    user_id: str | None
    tags: tuple[str, ...]
    created_at: float
    updated_at: float
    expires_at: float | None
    version: int
    codec: tuple[str, ...]
    size_bytes: int

    def is_expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (time.time() if now is None else now)
