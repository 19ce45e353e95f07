"""The persistence guide's import path: `from modules.context_manager import ConversationContextManager`."""

from modules.hybrid import ConversationContextManager

__all__ = ["ConversationContextManager"]
