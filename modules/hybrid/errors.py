"""Typed errors of hybrid conversations. Each message names what was wrong and what to do.

Storage failures (unknown conversation, corrupted record, wrong key) are the typed errors of
`modules.storage` (`ConversationNotFoundError`, `CorruptRecordError`, `DecryptionError`, ...);
catch `HybridError` or `modules.storage.StorageError` for all of them.
"""

from __future__ import annotations

from modules.errors import CourseError


class HybridError(CourseError):
    """Base class: a hybrid conversation was used in a way that cannot work."""


class UnknownSourceError(HybridError, ValueError):
    """An exchange names a source (tier) that is neither 'local' nor 'cloud' nor a known alias of one."""


class AgentNotInitializedError(HybridError, RuntimeError):
    """An agent exchange was asked for before an agent was given (the guide's "Agent thread not available")."""


class ServerSideHistoryError(HybridError, ValueError):
    """The agent's client would keep the history on the service, so the other tier's turns would never reach it."""


class UnsupportedTargetError(HybridError, TypeError):
    """A persistence target that is neither a file path nor a store from `modules.storage`."""


class ConversationIdTakenError(HybridError, ValueError):
    """A new conversation would be saved over a stored one with the same id."""


class UnknownStrategyError(HybridError, ValueError):
    """A conversation strategy other than "route" (the router decides first) or "cascade" (the local tier first)."""
