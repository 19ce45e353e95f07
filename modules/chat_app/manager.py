"""What the chat page needs from a conversation manager (`ChatManager`), checked against both implementations:
`HybridConversationManager` and the tests' scripted stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol, runtime_checkable

from modules.storage import ConversationStore

__all__ = ["ChatManager", "ConversationView", "ToolCallingManager"]


@runtime_checkable
class ConversationView(Protocol):
    """The conversation so far, as the page draws it.

    Attributes:
        messages: The messages in order, each {"role": ..., "content": ...}.
        routing_metadata: One metadata entry per exchange (`modules.hybrid.EXCHANGE_KEYS`).
    """

    messages: list[dict[str, str]]
    routing_metadata: list[dict[str, Any]]


@runtime_checkable
class ChatManager(Protocol):
    """One conversation the page runs: its id, what it holds, one streamed turn, save and resume.

    Store calls must not block the event loop (the real manager runs them in a worker thread), so the page awaits
    these coroutines on its own loop.

    Attributes:
        conversation_id: The conversation's id.
        context: The conversation so far.
    """

    conversation_id: str
    context: ConversationView

    def chat_stream(
        self, text: str, force_tier: str | None = None, *, router: Any = None, strategy: str | None = None
    ) -> AsyncIterator[Any]:
        """Yield a `RoutingDecision`, text chunks, any fallback decision, then the recorded turn.

        Args:
            text: The question.
            force_tier: "local" or "cloud" to skip the router's choice, or None.
            router: The router for this turn (the page's mode), or None for the manager's own.
            strategy: "route" or "cascade" for this turn (the page's choice), or None for the manager's own.
        """
        ...

    async def save(self, store: ConversationStore) -> Any:
        """Save the conversation to `store`.

        Args:
            store: Where the page saves.
        """
        ...

    async def resume(self, store: ConversationStore, conversation_id: str) -> None:
        """Replace the conversation with the copy `store` holds under `conversation_id`.

        Args:
            store: Where the page saves.
            conversation_id: The conversation to continue.
        """
        ...


@runtime_checkable
class ToolCallingManager(ChatManager, Protocol):
    """What the page's tool calls and approvals need besides `ChatManager` (`HybridConversationManager` has it).

    The page names the turn's tool in `tool_choice`; a pending call is decided on the agent of the tier that asked
    (`agents[tier]`), with answers of at most `max_tokens`. The tests' stand-in has no tools and needs none of this.

    Attributes:
        tool_choice: The next turn's tool choice ("none", "auto" or a named function).
        agents: The agent of each tier, holding the tools.
        max_tokens: The cap on each answer's length.
    """

    tool_choice: Any
    agents: dict[str, Any]
    max_tokens: int
