"""Hybrid conversations (lab 06): one conversation across the local and the cloud tier, persisted with its routing.

    from modules.hybrid import HybridConversationManager
    conversation = HybridConversationManager(HybridRouter(), start_tiers())
    turn = await conversation.chat("Hello!")          # routed, answered with the whole history, recorded

Modules: `context` (ConversationContextManager: framework-free history), `agent_context`
(HybridAgentContextManager: one AgentSession + routing metadata, persistence), `conversation`
(HybridConversationManager: router + tiers + fallback + streaming), `exchange` (the metadata entry),
`summary` (routing analytics), `sources` (tier names), `recorder` (what a tier was sent), `compaction` (the
shared history compacted per tier's window, with Agent Framework's CompactionProvider),
`persistence` (file or store), `journal` (append-only persistence), `handoff` (`resume_hybrid_in_new_process`:
continue in another process; run as a child, so import it from `modules.hybrid.handoff`), `errors`.
The persistence guide's import paths work too: `modules.context_manager`, `modules.hybrid_agent_context`,
`modules.hybrid_conversation`.
"""

from modules.hybrid.agent_context import HybridAgentContextManager
from modules.hybrid.context import ConversationContextManager, check_client_side_history
from modules.hybrid.conversation import HybridConversationManager, HybridTurn
from modules.hybrid.errors import (
    AgentNotInitializedError,
    ConversationIdTakenError,
    HybridError,
    ServerSideHistoryError,
    UnknownSourceError,
    UnsupportedTargetError,
)
from modules.hybrid.exchange import EXCHANGE_KEYS
from modules.hybrid.journal import ExchangeJournal
from modules.hybrid.persistence import openai_messages
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.sources import SOURCE_ALIASES, SOURCES

__all__ = [
    "EXCHANGE_KEYS",
    "SOURCES",
    "SOURCE_ALIASES",
    "AgentNotInitializedError",
    "ConversationContextManager",
    "ConversationIdTakenError",
    "ExchangeJournal",
    "HybridAgentContextManager",
    "HybridConversationManager",
    "HybridError",
    "HybridTurn",
    "SentMessagesRecorder",
    "ServerSideHistoryError",
    "UnknownSourceError",
    "UnsupportedTargetError",
    "check_client_side_history",
    "openai_messages",
]
