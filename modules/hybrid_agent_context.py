"""The persistence guide's import path: `from modules.hybrid_agent_context import HybridAgentContextManager`."""

from modules.hybrid import HybridAgentContextManager

__all__ = ["HybridAgentContextManager"]
