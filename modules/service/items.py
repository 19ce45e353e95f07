"""Stored messages as the Responses API lists them (`input_items`, conversation `items`)."""

from __future__ import annotations

from typing import Any

from agent_framework import Message

from modules.service.tools import tool_item


def item_list(messages: list[Message]) -> dict[str, Any]:
    items = [
        item
        for m in messages
        for item in tool_item(m)
        or [
            {
                "type": "message",
                "role": m.role,
                "content": [{"type": "input_text" if m.role == "user" else "output_text", "text": m.text}],
            }
        ]
    ]
    return {"object": "list", "data": items, "first_id": None, "last_id": None, "has_more": False}
