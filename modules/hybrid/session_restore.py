"""Rebuild an `AgentSession` from its `to_dict()` form quickly: plain text messages skip the generic deserializer.

    session = restore_session(record.session)      # the same session AgentSession.from_dict(record.session) gives

Why: `AgentSession.from_dict` walks the whole state with Agent Framework's generic deserializer, so every stored
message goes through `SerializationMixin.from_dict` -> `Message.__init__` -> `Content.from_dict` ->
`Content.__init__` (about 20 µs a message): two thirds of resuming a 1,000-turn conversation. Almost every message
a hybrid conversation stores is plain text: a role, text parts, perhaps an author name or a message id, and no
extra properties. For those, `restore_session` copies a `Message` and a text `Content` that the real constructors
built once, and sets the fields the stored dict holds — for such a message `Content.__init__` does nothing but
assign each field (Agent Framework 1.23: `_types.py`, `Content.__init__` and `Message.__init__`), so the result
has the same attributes with the same values. Every other message (tool calls, annotations, extra properties, a
type of its own) and everything else in the state go through `AgentSession.from_dict` unchanged.
`tests/test_session_restore.py` compares both paths attribute by attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_framework import AgentSession, Content, Message

__all__ = ["restore_session"]

_HISTORY_SOURCE = "in_memory"  # InMemoryHistoryProvider's key in session.state
_MESSAGE_TYPE = Message("user", []).to_dict()["type"]
_MESSAGE_KEYS = frozenset({"type", "role", "contents", "author_name", "message_id", "additional_properties"})
_CONTENT_KEYS = frozenset({"type", "text", "additional_properties"})
_IMMUTABLE = (type(None), bool, int, float, str)


def _template(instance: object, replaced: set[str]) -> dict[str, Any] | None:
    """The instance's attributes to copy, or None when a copy could share mutable state (then: the generic path)."""
    fields = getattr(instance, "__dict__", None)
    if fields is None or not all(isinstance(v, _IMMUTABLE) for k, v in fields.items() if k not in replaced):
        return None
    return dict(fields)


_TEXT = _template(Content("text", text=""), {"text", "additional_properties"})
_MESSAGE = _template(Message("user", []), {"contents", "additional_properties"})
_FAST = _TEXT is not None and _MESSAGE is not None


def _no_properties(item: Mapping[str, Any]) -> bool:
    properties = item.get("additional_properties")
    return properties is None or (type(properties) is dict and not properties)


def _optional_text(value: Any) -> bool:
    return value is None or type(value) is str


def _is_plain(stored: Any) -> bool:
    """A stored message made only of text parts, with no extra properties anywhere."""
    if type(stored) is not dict or stored.get("type") != _MESSAGE_TYPE or not stored.keys() <= _MESSAGE_KEYS:
        return False
    contents = stored.get("contents")
    return (
        type(stored.get("role")) is str
        and _optional_text(stored.get("author_name"))
        and _optional_text(stored.get("message_id"))
        and _no_properties(stored)
        and type(contents) is list
        and all(
            type(part) is dict
            and part.get("type") == "text"
            and part.keys() <= _CONTENT_KEYS
            and type(part.get("text")) is str
            and _no_properties(part)
            for part in contents
        )
    )


def _plain_message(stored: dict[str, Any]) -> Message:
    contents = []
    for part in stored["contents"]:
        content = object.__new__(Content)
        content.__dict__.update(_TEXT)  # type: ignore[arg-type]
        content.text = part["text"]
        content.additional_properties = {}
        contents.append(content)
    message = object.__new__(Message)
    message.__dict__.update(_MESSAGE)  # type: ignore[arg-type]
    message.role = stored["role"]
    message.contents = contents
    message.author_name = stored.get("author_name")
    message.message_id = stored.get("message_id")
    message.additional_properties = {}
    return message


def _generic(items: list[Any]) -> list[Any]:
    """Items deserialized exactly as `AgentSession.from_dict` deserializes state values."""
    if not items:
        return []
    return AgentSession.from_dict({"session_id": "restore", "state": {"items": items}}).state["items"]


def restore_session(data: Mapping[str, Any]) -> AgentSession:
    """The session `AgentSession.from_dict(data)` returns, built faster when its history is plain text.

    Args:
        data: a session's `to_dict()` form (as stored in a `ConversationRecord.session`).

    Returns:
        A new `AgentSession` with the same id, service session id and state; the messages under
        `state["in_memory"]["messages"]` are `Message` objects equal, field by field, to the generic path's.

    Raises:
        KeyError, ValueError: as `AgentSession.from_dict` does for a malformed `data`.
    """
    history = data.get("state", {}).get(_HISTORY_SOURCE) if isinstance(data.get("state"), Mapping) else None
    stored = history.get("messages") if isinstance(history, Mapping) else None
    if not _FAST or type(stored) is not list:
        return AgentSession.from_dict(dict(data))
    # Everything but the message list takes the generic path; the list is filled in below.
    without_messages = {**data, "state": {**data["state"], _HISTORY_SOURCE: {**history, "messages": []}}}
    session = AgentSession.from_dict(without_messages)
    plain = [_is_plain(message) for message in stored]
    others = iter(_generic([message for message, is_plain in zip(stored, plain, strict=True) if not is_plain]))
    session.state[_HISTORY_SOURCE]["messages"] = [
        _plain_message(message) if is_plain else next(others) for message, is_plain in zip(stored, plain, strict=True)
    ]
    return session
