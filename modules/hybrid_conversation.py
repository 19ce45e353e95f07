"""The persistence guide's import path: `from modules.hybrid_conversation import HybridConversationManager`."""

from modules.hybrid import HybridConversationManager, HybridTurn

__all__ = ["HybridConversationManager", "HybridTurn"]
