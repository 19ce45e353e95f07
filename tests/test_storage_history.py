"""Append-only history providers (SQLite, Redis) and the two-process scale-out story."""

from __future__ import annotations

import sqlite3

import pytest
import redis.asyncio
from agent_framework import AgentSession, Message
from storage_support import fixed_cipher

from modules.labkit.context_echo import ContextEchoClient
from modules.labkit.redis_turn import run_turn_in_new_process
from modules.storage import (
    CorruptRecordError,
    DecryptionError,
    InvalidConversationIdError,
    SqliteHistoryProvider,
    redis_history_provider,
)
from modules.storage.history import COURSE_APPLICATION_ID


async def test_sqlite_history_appends_each_turn_and_serves_a_fresh_process(tmp_path):
    path = tmp_path / "history.sqlite3"
    history = SqliteHistoryProvider(path)
    agent = ContextEchoClient().as_agent(name="echo", context_providers=[history])
    session = agent.create_session()
    counts = []
    for turn in range(3):
        await agent.run(f"question {turn}", session=session)
        counts.append(history.message_count(session.session_id))
    assert counts == [2, 4, 6]  # each turn appends its two messages and rewrites nothing
    assert session.to_dict()["state"] == {
        "sqlite_history": {}
    }  # the session carries only its id; the rows carry the history
    history.close()

    # Another process would do exactly this: a new provider on the same file, a session rebuilt from the id.
    again = ContextEchoClient().as_agent(name="echo", context_providers=[SqliteHistoryProvider(path)])
    reply = await again.run("question 3", session=AgentSession(session_id=session.session_id))
    assert reply.text == "I received 7 messages. You said: question 0 | question 1 | question 2 | question 3"


async def test_sqlite_history_encrypts_rows_and_binds_them_to_their_session(tmp_path):
    path = tmp_path / "history.sqlite3"
    history = SqliteHistoryProvider(path, cipher=fixed_cipher())
    await history.save_messages("conv-a", [Message("user", ["my card number is 4111"])])
    raw = sqlite3.connect(path).execute("SELECT message FROM messages").fetchone()[0]
    assert b"4111" not in raw
    assert [m.text for m in await history.get_messages("conv-a")] == ["my card number is 4111"]

    with pytest.raises(DecryptionError, match="'conv-a'.*key id"):
        await SqliteHistoryProvider(path, cipher=fixed_cipher(b"z")).get_messages("conv-a")
    with pytest.raises(DecryptionError, match="no key is configured"):
        await SqliteHistoryProvider(path).get_messages("conv-a")
    with sqlite3.connect(path) as db:  # a row moved into another conversation fails authentication
        db.execute("UPDATE messages SET session_id = 'conv-b'")
    with pytest.raises(CorruptRecordError, match="'conv-b'.*failed authentication"):
        await history.get_messages("conv-b")


async def test_sqlite_history_rejects_unsafe_session_ids(tmp_path):
    history = SqliteHistoryProvider(tmp_path / "history.sqlite3")
    for bad in ("'; DROP TABLE messages; --", "../x", None):
        with pytest.raises(InvalidConversationIdError):
            await history.save_messages(bad, [Message("user", ["hi"])])


async def test_redis_history_factory_scopes_keys_and_sets_timeouts(redis_server):
    history = redis_history_provider(redis_server.url)
    assert history.application_id == COURSE_APPLICATION_ID
    assert "socket_timeout=5" in history.redis_url and "socket_connect_timeout=5" in history.redis_url
    await history.save_messages("conv-1", [Message("user", ["hello"])])
    assert COURSE_APPLICATION_ID in history._redis_key("conv-1")
    await history.aclose()

    borrowed = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
    assert [m.text for m in await redis_history_provider(borrowed).get_messages("conv-1")] == ["hello"]
    await borrowed.aclose()
    with pytest.raises(ValueError, match="decode_responses=True"):
        redis_history_provider(redis.asyncio.Redis.from_url(redis_server.url))


def test_two_processes_continue_one_conversation_through_redis(redis_server):
    first = run_turn_in_new_process(redis_server.url, "scale-out-1", "My name is Ana", model="echo", timeout_s=60)
    second = run_turn_in_new_process(redis_server.url, "scale-out-1", "What is my name?", model="echo", timeout_s=60)
    assert first["pid"] != second["pid"]
    assert first["reply"] == "I received 1 messages. You said: My name is Ana"
    assert second["reply"] == "I received 3 messages. You said: My name is Ana | What is my name?"  # full history
    assert second["history_messages"] == 4
