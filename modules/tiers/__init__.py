"""The two tiers (labs 01-02): the embedded local model, the chat-client factory, stream timing.

from modules.tiers import start_tiers
tiers = start_tiers()                 # offline: starts the local Responses service for the cloud tier
print(await tiers.ask("local", "What is 2 + 2?"))
"""

from modules.tiers.chat_template import prompt_token_count
from modules.tiers.clients import Answer, Tiers, cloud_chat_client, local_chat_client, start_tiers
from modules.tiers.context_fit import TRUNCATION_MODES, ContextWindowExceededError, FittedPrompt, fit_prompt
from modules.tiers.errors import TierError, TierUsageError
from modules.tiers.local_model import (
    CONTEXT_TOKENS,
    MODEL_INPUT_KEY,
    MODEL_NAME,
    EmbeddedChatClient,
    ModelNotFoundError,
    default_model_path,
    load_model,
    tier_completion,
)
from modules.tiers.local_tools import ToolSpec, call_schema, result_text
from modules.tiers.timing import StreamTiming, time_stream

__all__ = [
    "CONTEXT_TOKENS",
    "MODEL_INPUT_KEY",
    "MODEL_NAME",
    "Answer",
    "ContextWindowExceededError",
    "EmbeddedChatClient",
    "FittedPrompt",
    "ModelNotFoundError",
    "TRUNCATION_MODES",
    "StreamTiming",
    "TierError",
    "TierUsageError",
    "ToolSpec",
    "Tiers",
    "call_schema",
    "cloud_chat_client",
    "default_model_path",
    "fit_prompt",
    "load_model",
    "local_chat_client",
    "prompt_token_count",
    "result_text",
    "start_tiers",
    "tier_completion",
    "time_stream",
]
