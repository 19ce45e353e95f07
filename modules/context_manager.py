"""The persistence guide's import path: `from modules.context_manager import ConversationContextManager`.

The guide's names `export_conversation` and `load_conversation` live here, and only here, as aliases of
`save` and `resume` (docs/api-migration.md lists every alias).
"""

from __future__ import annotations

from pathlib import Path

from modules.hybrid import ConversationContextManager as _ConversationContextManager
from modules.hybrid import as_store


class ConversationContextManager(_ConversationContextManager):
    """`modules.hybrid.ConversationContextManager` with the persistence guide's file names as aliases.

    Args:
        session_id: The conversation's id (letters, digits, `-`, `_`, `.`; it names the stored record).
        max_history: How many recent exchanges the local model is given; None for all.
    """

    def export_conversation(self, path: Path | str) -> Path:
        """Alias of `await save(path)`, for code without an event loop: writes the one-file store `path`.

        Args:
            path: the file (a one-file store).

        Returns:
            The path.
        """
        self._writer(as_store(path))()
        return Path(path)

    @classmethod
    def load_conversation(cls, path: Path | str, *, max_history: int | None = None) -> ConversationContextManager:
        """Alias of `await ConversationContextManager(...).resume(path)`: reads a file `save` or the guide wrote.

        Args:
            path: the file.
            max_history: as the constructor's.

        Returns:
            A new manager holding the stored conversation.
        """
        store = as_store(path)
        context = cls("imported", max_history=max_history)
        context._adopt(store.load(), store)
        return context


__all__ = ["ConversationContextManager"]
