"""Hybrid conversations (lab 06): one conversation across the local and the cloud tier, persisted with its routing.

    from modules.hybrid import HybridConversationManager
    conversation = HybridConversationManager(HybridRouter(), start_tiers())
    turn = await conversation.chat("Hello!")          # routed, answered with the whole history, recorded

Modules: `context` (ConversationContextManager: framework-free history), `agent_context`
(HybridAgentContextManager: one AgentSession + routing metadata, persistence), `conversation`
(HybridConversationManager: router + tiers + fallback + streaming), `exchange` (the metadata entry),
`summary` (routing analytics), `sources` (tier names), `recorder` (what a tier was sent), `compaction` (the
shared history compacted per tier's window, with Agent Framework's CompactionProvider),
`persistence` (a save target as a store), `handoff` (`resume_hybrid_in_new_process`:
continue in another process; run as a child, so import it from `modules.hybrid.handoff`), `tool_calls` (what each
tool call did), `approvals` (tool approvals that survive a suspend, another process and a crash), `errors`.
Every manager saves with `save(store)` and resumes with `resume(store, conversation_id)`; an exchange is
recorded with `add_exchange` (or `ask`, which runs an agent first). The persistence guide's import paths work
too: `modules.context_manager`, `modules.hybrid_agent_context`, `modules.hybrid_conversation`, and only they
keep the guide's method names, as aliases.
"""

from modules.hybrid.agent_context import HybridAgentContextManager
from modules.hybrid.approvals import (
    BOOK_SUFFIX,
    ApprovalAlreadyDecidedError,
    ApprovalError,
    ApprovalFromAnotherConversationError,
    ConversationMovedOnError,
    NothingToCompleteError,
    PendingApproval,
    ToolInterruptedError,
    book_pending,
    complete_decided,
    decide,
    mark_tool_result,
    pending_approvals,
    run_until_approval,
)
from modules.hybrid.compaction import CompactionError, DamagedSummaryWarning, describe_received
from modules.hybrid.context import ConversationContextManager, check_client_side_history
from modules.hybrid.conversation import STRATEGIES, HybridConversationManager, HybridTurn
from modules.hybrid.errors import (
    AgentNotInitializedError,
    ConversationIdTakenError,
    HybridError,
    ServerSideHistoryError,
    UnknownSourceError,
    UnknownStrategyError,
    UnsupportedTargetError,
)
from modules.hybrid.exchange import EXCHANGE_KEYS
from modules.hybrid.handoff import resume_hybrid_in_new_process
from modules.hybrid.persistence import as_store, openai_messages
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.sources import SOURCE_ALIASES
from modules.hybrid.summary import SUMMARY_KEYS, routing_summary
from modules.hybrid.tool_calls import ToolCallRecorder

__all__ = [
    "BOOK_SUFFIX",
    "EXCHANGE_KEYS",
    "SOURCE_ALIASES",
    "STRATEGIES",
    "SUMMARY_KEYS",
    "AgentNotInitializedError",
    "CompactionError",
    "DamagedSummaryWarning",
    "ApprovalAlreadyDecidedError",
    "ApprovalError",
    "ApprovalFromAnotherConversationError",
    "ConversationContextManager",
    "ConversationIdTakenError",
    "ConversationMovedOnError",
    "HybridAgentContextManager",
    "HybridConversationManager",
    "HybridError",
    "HybridTurn",
    "NothingToCompleteError",
    "PendingApproval",
    "SentMessagesRecorder",
    "ServerSideHistoryError",
    "ToolCallRecorder",
    "ToolInterruptedError",
    "UnknownSourceError",
    "UnknownStrategyError",
    "UnsupportedTargetError",
    "as_store",
    "book_pending",
    "check_client_side_history",
    "complete_decided",
    "decide",
    "describe_received",
    "mark_tool_result",
    "openai_messages",
    "pending_approvals",
    "resume_hybrid_in_new_process",
    "routing_summary",
    "run_until_approval",
]
