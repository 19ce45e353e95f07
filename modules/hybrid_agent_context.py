"""The persistence guide's import path: `from modules.hybrid_agent_context import HybridAgentContextManager`.

The guide's names for saving, resuming and recording an exchange live here, and only here, as aliases of
`save`, `resume`, `add_exchange` and `ask` (docs/api-migration.md lists every alias).
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import Any

from modules.hybrid import HybridAgentContextManager as _HybridAgentContextManager
from modules.hybrid import as_store
from modules.storage import Cipher, ConversationRecord, ConversationStore


class HybridAgentContextManager(_HybridAgentContextManager):
    """`modules.hybrid.HybridAgentContextManager` with the persistence guide's method names as aliases.

    Args:
        session_id: The conversation's id; also the AgentSession's id.
        max_history: How many recent exchanges the local model is given; None for all.
    """

    async def persist_to_storage(
        self, target: ConversationStore | str | PathLike, *, cipher: Cipher | None = None
    ) -> int:
        """Alias of `save(target, cipher=cipher)`."""
        return await self.save(target, cipher=cipher)

    async def resume_from_storage(
        self,
        target: ConversationStore | str | PathLike,
        agent: Any = None,
        *,
        conversation_id: str | None = None,
        cipher: Cipher | None = None,
        allow_plaintext_migration: bool = False,
    ) -> HybridAgentContextManager:
        """Alias of `resume(target, conversation_id, agent=agent, ...)`."""
        return await self.resume(
            target, conversation_id, agent=agent, cipher=cipher, allow_plaintext_migration=allow_plaintext_migration
        )

    def add_exchange_with_local(
        self, prompt: str, response: str, response_time: float, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Alias of `add_exchange(prompt, response, "local", response_time, metadata)`."""
        return self.add_exchange(prompt, response, "local", response_time, metadata)

    # Alias of `add_exchange` (same arguments: prompt, response, source, response_time, metadata).
    add_exchange_generic = _HybridAgentContextManager.add_exchange

    async def add_exchange_with_agent(
        self,
        agent: Any = None,
        prompt: str = "",
        source: str = "cloud",
        metadata: Mapping[str, Any] | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> tuple[str, float]:
        """Alias of `ask(prompt, agent, source=source, metadata=metadata, options=options)`."""
        return await self.ask(prompt, agent, source=source, metadata=metadata, options=options)

    # Alias of the method the router's manager records its turns with.
    record_agent_exchange = _HybridAgentContextManager._record_run


def save_record(
    record: ConversationRecord, target: ConversationStore | str | PathLike, *, cipher: Cipher | None = None
) -> int:
    """Alias of `store.save(record)`; a file path is a one-file store (`OneFileStore(path, cipher=cipher)`).

    Args:
        record: the conversation; its `revision` must be the one stored at the target (0 if nothing is).
        target: a store from `modules.storage`, or a file path.
        cipher: encrypts a file; a store uses its own cipher.

    Returns:
        What `save` returns: bytes written (a journal: exchanges appended).
    """
    return as_store(target, cipher=cipher).save(record)


def load_record(
    target: ConversationStore | str | PathLike,
    *,
    conversation_id: str | None = None,
    cipher: Cipher | None = None,
    allow_plaintext_migration: bool = False,
) -> ConversationRecord:
    """Alias of `store.load(conversation_id)`; a file path is a one-file store (any id: the file says which).

    Args:
        target: a store from `modules.storage`, or a file path.
        conversation_id: the id to read (a file path: None reads whichever conversation it holds).
        cipher: the key of an encrypted file.
        allow_plaintext_migration: with a `cipher`, read a plaintext file anyway.

    Returns:
        The record.
    """
    return as_store(target, cipher=cipher, allow_plaintext_migration=allow_plaintext_migration).load(conversation_id)


__all__ = ["HybridAgentContextManager", "load_record", "save_record"]
