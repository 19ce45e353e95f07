"""`restore_session` gives exactly what `AgentSession.from_dict` gives: every message, every field, every type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agent_framework import AgentSession, Content, Message

from modules.hybrid import session_restore
from modules.hybrid.session_restore import restore_session
from modules.labkit.sample import sample_messages


def fields(value: Any) -> Any:
    """A value with every Message and Content replaced by (class, its attributes), recursively."""
    if isinstance(value, (Message, Content)):
        return (type(value).__name__, {key: fields(item) for key, item in vars(value).items()})
    if isinstance(value, list):
        return [fields(item) for item in value]
    if isinstance(value, dict):
        return {key: fields(item) for key, item in value.items()}
    return value


def stored(messages: list[Message], **state: Any) -> dict[str, Any]:
    """A session's to_dict() after a JSON round trip, as a store gives it back."""
    session = AgentSession(session_id="restore-test")
    session.state["in_memory"] = {"messages": messages}
    session.state.update(state)
    return json.loads(json.dumps(session.to_dict()))


EDGE_CASES = [
    Message("user", ["Hello"]),
    Message("assistant", ["Hi", " there"], author_name="local", message_id="m-2"),
    Message("assistant", []),
    Message("user", [""]),
    Message("user", ["Ünïcödé ✓ — 😀"]),
    Message("system", ["You are brief."]),
    # Not plain: each must take the generic path and come back the same.
    Message("user", ["tagged"], additional_properties={"tier": "cloud"}),
    Message("user", [Content.from_text("extra", additional_properties={"k": {"v": 1}})]),
    Message("assistant", [Content.from_function_call("call-1", "lookup", arguments={"q": "x"})]),
    Message("tool", [Content.from_function_result("call-1", result="42")]),
    Message("assistant", [Content.from_uri("https://example.com/a.png", media_type="image/png")]),
]


@pytest.mark.parametrize("data", [stored(sample_messages(200, seed=3)), stored(EDGE_CASES)], ids=["sample", "edges"])
def test_every_message_matches_the_generic_path_field_by_field(data):
    generic, fast = AgentSession.from_dict(data), restore_session(data)
    assert len(fast.state["in_memory"]["messages"]) == len(data["state"]["in_memory"]["messages"]) > 0
    assert fields(fast.state) == fields(generic.state)
    assert (fast.session_id, fast.service_session_id) == (generic.session_id, generic.service_session_id)
    assert fast.to_dict() == generic.to_dict() == data


def test_the_fast_path_is_taken_for_plain_messages_only(monkeypatch):
    generic_items = []
    real_generic = session_restore._generic
    monkeypatch.setattr(session_restore, "_generic", lambda items: generic_items.extend(items) or real_generic(items))
    restore_session(stored(EDGE_CASES))
    assert len(generic_items) == 5  # the five messages with properties, a tool call or result, or a URI
    assert session_restore._FAST  # this Agent Framework version's templates hold no shared mutable state


def test_other_state_and_the_service_id_take_the_generic_path():
    data = stored(sample_messages(4, seed=1), notes={"pinned": Message("user", ["keep"]).to_dict()}, counter=3)
    data["service_session_id"] = "resp_123"
    data["state"]["in_memory"]["extra"] = {"kept": True}
    generic, fast = AgentSession.from_dict(data), restore_session(data)
    assert isinstance(fast.state["notes"]["pinned"], Message) and fast.state["counter"] == 3
    assert fast.state["in_memory"]["extra"] == {"kept": True} and fast.service_session_id == "resp_123"
    assert fields(fast.state) == fields(generic.state)


def test_restored_messages_share_no_mutable_state():
    fast = restore_session(stored(sample_messages(4, seed=2)))
    first, second = fast.state["in_memory"]["messages"][:2]
    first.additional_properties["mine"] = 1
    first.contents[0].additional_properties["mine"] = 1
    assert second.additional_properties == {} and second.contents[0].additional_properties == {}
    assert first.contents is not second.contents


@pytest.mark.parametrize(
    "data",
    [
        {"type": "session", "session_id": "s"},  # no state: the generic path
        {"type": "session", "session_id": "s", "state": {"in_memory": {"messages": "not a list"}}},
        {"type": "session", "session_id": "s", "state": {"in_memory": {"messages": [{"role": "user"}, 7, None]}}},
    ],
    ids=["no-state", "messages-not-a-list", "odd-items"],
)
def test_unusual_shapes_come_back_as_the_generic_path_gives_them(data):
    assert fields(restore_session(data).state) == fields(AgentSession.from_dict(data).state)


def test_a_malformed_session_raises_as_from_dict_does():
    with pytest.raises(KeyError):
        AgentSession.from_dict({"state": {}})
    with pytest.raises(KeyError):
        restore_session({"state": {"in_memory": {"messages": []}}})


def test_a_template_that_would_share_mutable_state_turns_the_fast_path_off(monkeypatch):
    class WithAList:
        def __init__(self) -> None:
            self.text, self.annotations = "", []

    assert session_restore._template(WithAList(), {"text"}) is None  # the list would be shared by every copy
    assert session_restore._template(WithAList(), {"text", "annotations"}) == {"text": "", "annotations": []}
    monkeypatch.setattr(session_restore, "_FAST", False)
    data = stored(sample_messages(6, seed=4))
    assert fields(restore_session(data).state) == fields(AgentSession.from_dict(data).state)
