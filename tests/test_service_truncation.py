"""The local Responses service follows OpenAI's `truncation`: "disabled" refuses an over-long input, "auto" drops the
oldest turns and says so. Exercised over real HTTP with the stock `openai` client; the long conversation is built
from stored items, so no long answers are generated."""

import openai
import pytest
from service_support import SERVICE_TOKEN

from modules.tiers import CONTEXT_TOKENS, load_model, prompt_token_count

TOKEN = SERVICE_TOKEN
ANSWER_TOKENS = 8


def long_items(turns: int = 16) -> list[dict]:
    """A stored history of `turns` exchanges, about 2,800 tokens in all: more than the model's window."""
    items = []
    for turn in range(turns):
        items.append({"role": "user", "content": f"Question {turn}: " + "tell me about rivers and mountains " * 10})
        items.append({"role": "assistant", "content": f"Answer {turn}: " + "rivers flow down from mountains " * 10})
    return items


def item_texts(client, conversation_id: str) -> list[tuple[str, str]]:
    items = client.get(f"/conversations/{conversation_id}/items", cast_to=object)["data"]
    return [(item["role"], item["content"][0]["text"]) for item in items]


def test_disabled_is_the_default_and_refuses_an_over_long_conversation_with_a_400(client):
    conversation = client.conversations.create(items=long_items())
    before = item_texts(client, conversation.id)
    for extra in ({}, {"truncation": "disabled"}):
        with pytest.raises(openai.BadRequestError) as refused:
            client.responses.create(
                model="local-service",
                input="And the first question?",
                conversation=conversation.id,
                max_output_tokens=ANSWER_TOKENS,
                **extra,
            )
        error = refused.value.body
        assert refused.value.status_code == 400 and error["code"] == "context_length_exceeded"
        assert error["param"] == "input" and error["type"] == "invalid_request_error"
        assert str(CONTEXT_TOKENS) in error["message"] and "truncation='auto'" in error["message"]
    assert item_texts(client, conversation.id) == before  # a refused turn adds nothing


def test_auto_drops_the_oldest_turns_says_how_many_and_keeps_every_stored_item(client):
    items = long_items()
    conversation = client.conversations.create(items=items)
    reply = client.responses.create(
        model="local-service",
        input="And the first question?",
        conversation=conversation.id,
        max_output_tokens=ANSWER_TOKENS,
        truncation="auto",
    )
    assert reply.truncation == "auto"
    report = reply.model_extra["input_truncation"]
    dropped = report["dropped_items"]
    assert 0 < dropped < len(items) and dropped % 2 == 0  # whole turns, oldest first
    assert report["kept_items"] == len(items) - dropped + 1  # the kept history and the new input
    assert report["context_window"] == CONTEXT_TOKENS and report["max_output_tokens"] == ANSWER_TOKENS
    # What the report says the model was given is what llama.cpp tokenised (usage), and it fits the window...
    assert reply.usage.input_tokens == report["input_tokens"] <= CONTEXT_TOKENS - ANSWER_TOKENS
    llm = load_model()
    question = [{"role": "user", "content": "And the first question?"}]
    kept = [{"role": item["role"], "content": item["content"]} for item in items[dropped:]]
    assert prompt_token_count(llm, kept + question) == report["input_tokens"]
    # ... and dropping one turn fewer would not have fitted: nothing more was dropped than needed.
    one_more = [{"role": item["role"], "content": item["content"]} for item in items[dropped - 2 :]]
    assert prompt_token_count(llm, one_more + question) > CONTEXT_TOKENS - ANSWER_TOKENS
    # The conversation still holds every item: truncation shortens what the model sees, never what is stored.
    stored = item_texts(client, conversation.id)
    assert stored[: len(items)] == [(item["role"], item["content"]) for item in items]
    assert stored[len(items)] == ("user", "And the first question?") and len(stored) == len(items) + 2
    assert client.responses.retrieve(reply.id).model_extra["input_truncation"] == report


def test_auto_also_drops_the_older_messages_of_a_long_input_but_never_the_newest(client):
    items = long_items()
    reply = client.responses.create(
        model="local-service",
        input=[*items, {"role": "user", "content": "Summarise."}],
        max_output_tokens=ANSWER_TOKENS,
        truncation="auto",
        store=False,
    )
    report = reply.model_extra["input_truncation"]
    assert report["dropped_items"] > 0 and report["kept_items"] == len(items) + 1 - report["dropped_items"]
    assert reply.usage.input_tokens == report["input_tokens"] <= CONTEXT_TOKENS - ANSWER_TOKENS


def test_a_response_that_fits_reports_nothing_dropped(client):
    reply = client.responses.create(model="local-service", input="Hi.", max_output_tokens=ANSWER_TOKENS)
    assert reply.truncation == "disabled"
    report = reply.model_extra["input_truncation"]
    assert report["dropped_items"] == 0 and report["kept_items"] == 1
    assert reply.usage.input_tokens == report["input_tokens"]


def test_a_streamed_auto_response_reports_its_truncation_on_the_completed_event(client):
    conversation = client.conversations.create(items=long_items())
    events = client.responses.create(
        model="local-service",
        input="And the first question?",
        conversation=conversation.id,
        max_output_tokens=ANSWER_TOKENS,
        truncation="auto",
        stream=True,
    )
    final = [event.response for event in events if event.type in ("response.completed", "response.incomplete")][-1]
    assert final.truncation == "auto" and final.model_extra["input_truncation"]["dropped_items"] > 0
    assert final.usage.input_tokens == final.model_extra["input_truncation"]["input_tokens"]


def test_an_input_too_long_on_its_own_is_a_400_even_with_auto(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(
            model="local-service",
            input="rivers and mountains " * 700,
            max_output_tokens=ANSWER_TOKENS,
            truncation="auto",
        )
    assert refused.value.body["code"] == "context_length_exceeded"
    assert "Shorten the input" in refused.value.body["message"]


def test_an_unknown_truncation_mode_is_a_400_naming_the_field(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="local-service", input="Hi.", truncation="sometimes")
    assert (refused.value.body["param"], refused.value.body["code"]) == ("truncation", "invalid_value")
