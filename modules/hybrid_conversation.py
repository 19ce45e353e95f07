"""The persistence guide's import path: `from modules.hybrid_conversation import HybridConversationManager`.

The guide's names `persist_session`, `persist_thread`, `resume_session` and `resume_thread` live here, and only
here, as aliases of `save` and `resume` (docs/api-migration.md lists every alias).
"""

from __future__ import annotations

from os import PathLike

from modules.hybrid import HybridConversationManager as _HybridConversationManager
from modules.hybrid import HybridTurn
from modules.storage import ConversationStore


class HybridConversationManager(_HybridConversationManager):
    """`modules.hybrid.HybridConversationManager` with the persistence guide's method names as aliases.

    Args:
        router: As `modules.hybrid.HybridConversationManager`'s (every argument is passed on unchanged).
        tiers: As above.
        store: As above.
        session_id: As above.
        user_id: As above.
        instructions: As above.
        max_tokens: As above.
        timeout_s: As above.
        cipher: As above.
        tools: As above.
        tool_choice: As above.
        compaction: As above.
        max_history: As above.
        strategy: As above.
        cascade: As above.
        cascade_threshold: As above.
    """

    async def persist_session(self, target: ConversationStore | str | PathLike | None = None) -> int:
        """Alias of `save(target)`."""
        return await self.save(target)

    async def resume_session(
        self, target: ConversationStore | str | PathLike | None = None, *, conversation_id: str | None = None
    ) -> None:
        """Alias of `resume(target, conversation_id)`."""
        await self.resume(target, conversation_id)

    persist_thread = persist_session  # the guide's AgentThread is today's AgentSession
    resume_thread = resume_session


__all__ = ["HybridConversationManager", "HybridTurn"]
