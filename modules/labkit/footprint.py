"""How many bytes a conversation takes, per format and per backend (lab 04 and bench/bench_storage.py).

    format_sizes(sample_record(100), cipher)               # envelope bytes: plain, compressed, encrypted, original
    backend_footprints(records, cipher, folder, redis_url)  # bytes each backend really uses per conversation
    turn_write_sizes(turns=(1, 100))                        # bytes written to save turn N: whole session vs append

The persistence guide of the original workshop estimated "~100-180 KB" per 100 exchanges; these functions
measure instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_framework import AgentSession

from modules.labkit.sample import sample_messages, sample_routing
from modules.storage import Cipher, ConversationRecord, FileStore, SqliteHistoryProvider, SqliteStore, encode

GUIDE_ESTIMATE_KB = (100, 180)
FORMATS = ("plain JSON", "compressed (zlib)", "compressed + encrypted (AES-GCM)")


def format_options(name: str, cipher: Cipher) -> dict[str, Any]:
    """encode()/store keyword arguments for one of FORMATS."""
    return {
        "plain JSON": {"compress_above": None},
        "compressed (zlib)": {},
        "compressed + encrypted (AES-GCM)": {"cipher": cipher},
    }[name]


def guide_export(record: ConversationRecord) -> bytes:
    """The conversation as the original workshop's `persist_to_storage()` wrote it: history twice, indent=2."""
    messages = record.session["state"]["in_memory"]["messages"]
    text = [m["contents"][0]["text"] for m in messages]
    openai = [{"role": m["role"], "content": t} for m, t in zip(messages, text, strict=True)]
    old_thread = [
        {
            "type": "chat_message",
            "role": {"type": "role", "value": m["role"]},
            "contents": [{"type": "text", "text": t}],
            "author_name": m.get("author_name"),
            "message_id": m.get("message_id"),
            "additional_properties": {},
        }
        for m, t in zip(messages, text, strict=True)
    ]
    routing = [
        {
            "exchange_id": r["turn"],
            "timestamp": "2025-12-04T10:00:00.000000",
            "source": r["tier"],
            "response_time": r["latency_s"],
            "model_switch": False,
            "metadata": {k: v for k, v in r.items() if k not in ("turn", "at", "tier", "latency_s")},
        }
        for r in record.routing_metadata
    ]
    document = {
        "session_id": record.conversation_id,
        "created_at": "2025-12-04T10:00:00",
        "last_updated": "2025-12-04T11:06:40",
        "messages": openai,
        "thread_state": {"service_thread_id": None, "chat_message_store_state": {"messages": old_thread}},
        "routing_metadata": routing,
        "routing_summary": {"total_exchanges": len(routing)},
    }
    return json.dumps(document, indent=2).encode()


def _versus_seed(size: int) -> str:
    low, high = GUIDE_ESTIMATE_KB
    return "within" if low * 1024 <= size <= high * 1024 else "below" if size < low * 1024 else "above"


def format_sizes(record: ConversationRecord, cipher: Cipher) -> list[dict[str, Any]]:
    """Envelope bytes of one record in each format, with the original workshop's export format first."""
    sizes = [("original export (persist_to_storage: history twice, indented)", len(guide_export(record)))]
    sizes += [(name, len(encode(record, **format_options(name, cipher)))) for name in FORMATS]
    return [
        {"format": name, "bytes": size, "KB": round(size / 1024, 1), "vs the guide's 100-180 KB": _versus_seed(size)}
        for name, size in sizes
    ]


def backend_footprints(
    records: Sequence[ConversationRecord], cipher: Cipher, folder: Path, redis_url: str | None = None
) -> list[dict[str, Any]]:
    """Average bytes per conversation that each backend really uses (file sizes, SQLite file, Redis MEMORY USAGE)."""
    folder.mkdir(parents=True, exist_ok=True)
    count, rows = len(records), []
    for index, name in enumerate(FORMATS):
        options = format_options(name, cipher)
        file_store = FileStore(folder / f"files-{index}", **options)
        for record in records:
            file_store.save(record)
        rows.append(
            ("FileStore (file sizes)", name, sum(file_store.path_of(r.conversation_id).stat().st_size for r in records))
        )
        sqlite_path = folder / f"store-{index}.sqlite3"
        with SqliteStore(sqlite_path, **options) as sqlite_store:
            for record in records:
                sqlite_store.save(record)
            sqlite_store.checkpoint()  # count the data in the main file
        rows.append(("SqliteStore (database file)", name, sqlite_path.stat().st_size))
        if redis_url:
            from modules.storage import RedisStore

            with RedisStore(redis_url, namespace=f"footprint-{index}", **options) as redis_store:
                for record in records:  # as new: an earlier run's delete left a tombstone under the same id
                    redis_store.save(record.as_new())
                used = sum(redis_store.memory_usage(r.conversation_id) for r in records)
                for record in records:
                    redis_store.delete(record.conversation_id)
            rows.append(("RedisStore (MEMORY USAGE)", name, used))
    history_path = folder / "history.sqlite3"
    history = SqliteHistoryProvider(history_path)
    for record in records:
        history.append(record.conversation_id, AgentSession.from_dict(record.session).state["in_memory"]["messages"])
    history.checkpoint()
    history.close()
    rows.append(
        (
            "SqliteHistoryProvider (one row per message; no routing metadata)",
            "plain JSON rows",
            history_path.stat().st_size,
        )
    )
    return [
        {
            "backend": backend,
            "format": name,
            "KB per conversation": round(total / count / 1024, 1),
            "vs the guide's 100-180 KB": _versus_seed(total // count),
        }
        for backend, name, total in rows
    ]


def turn_write_sizes(turns: Sequence[int] = (1, 10, 50, 100, 200), *, seed: int = 42) -> list[dict[str, Any]]:
    """Bytes written to save turn N: the whole session's envelope (compressed) vs the turn's two appended messages.

    Args:
        turns: The turn numbers to measure.
        seed: The random seed of the sample conversation.
    """
    messages, routing = sample_messages(max(turns), seed=seed), sample_routing(max(turns), seed=seed)
    rows = []
    for n in turns:
        session = AgentSession(session_id=f"turn-{n}")
        session.state["in_memory"] = {"messages": messages[: 2 * n]}
        whole = len(encode(ConversationRecord.from_session(session, routing_metadata=routing[:n])))
        appended = sum(len(json.dumps(m.to_dict(), separators=(",", ":"))) for m in messages[2 * n - 2 : 2 * n])
        rows.append({"turn N": n, "whole session (bytes)": whole, "append new turn (bytes)": appended})
    return rows
