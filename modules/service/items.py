"""Stored messages as the Responses API lists them (`input_items`, conversation `items`)."""

from __future__ import annotations

from typing import Any

from agent_framework import Message


def item_list(messages: list[Message]) -> dict[str, Any]:
    items = [
        {
            "type": "message",
            "role": m.role,
            "content": [{"type": "input_text" if m.role == "user" else "output_text", "text": m.text}],
        }
        for m in messages
    ]
    return {"object": "list", "data": items, "first_id": None, "last_id": None, "has_more": False}
