"""With a key configured, only authenticated records and history rows are accepted.

Planted plaintext (the current format, version 1, the original guide's export) is refused in every
store unless the documented migration flag is given; history rows are bound to their session and
position, so deleting, replaying or swapping rows is detected, and a damaged row is reported by
position while the rows around it stay readable.
"""

from __future__ import annotations

import sqlite3

import pytest
from agent_framework import Message
from storage_support import PROJECT_ROOT, fixed_cipher, make_store, read_raw, reopen, write_raw

from modules.labkit.sample import sample_record
from modules.storage import (
    CorruptHistoryError,
    OneFileStore,
    PlaintextRecordError,
    SqliteHistoryProvider,
    encode,
)

SAMPLES = PROJECT_ROOT / "data" / "conversations"
PLANTED = {
    "plain v2": ("planted-v2", lambda: encode(sample_record(3, seed=4, conversation_id="planted-v2"))),
    "v1": ("conv-v1", lambda: (SAMPLES / "v1_conv-v1.json").read_bytes()),
    "guide export": ("session_123", lambda: (SAMPLES / "guide_export_session_123.json").read_bytes()),
}


def plant(store, conversation_id: str, data: bytes) -> None:
    # SQLite's test helper rewrites an existing row, so a genuine encrypted record goes there first.
    store.save(sample_record(1, seed=1, conversation_id=conversation_id))
    write_raw(store, conversation_id, data)


@pytest.mark.parametrize("backend", ["file", "sqlite", "redis"])
@pytest.mark.parametrize("kind", list(PLANTED))
def test_planted_plaintext_is_refused_by_an_encrypted_store_unless_migrating(backend, kind, tmp_path, request):
    conversation_id, planted = PLANTED[kind][0], PLANTED[kind][1]()
    store = make_store(backend, tmp_path, request, cipher=fixed_cipher())
    plant(store, conversation_id, planted)
    with pytest.raises(PlaintextRecordError, match="not encrypted.*allow_plaintext_migration=True"):
        store.load(conversation_id)
    assert read_raw(store, conversation_id) == planted and store.quarantined(conversation_id) == []  # left in place

    migrating = reopen(store, cipher=fixed_cipher(), allow_plaintext_migration=True)
    record = migrating.load(conversation_id)
    migrating.save(record)  # stored encrypted from now on
    assert reopen(store, cipher=fixed_cipher()).load(conversation_id).session == record.session
    assert b'"aes256gcm"' in read_raw(store, conversation_id).partition(b"\n")[0]


def test_a_plaintext_hybrid_file_is_refused_when_a_key_is_given(tmp_path):
    path = tmp_path / "conversation.json"
    path.write_bytes(encode(sample_record(2, seed=1, conversation_id="plain-file")))
    with pytest.raises(PlaintextRecordError, match="plain-file"):
        OneFileStore(path, cipher=fixed_cipher()).load()
    migrating = OneFileStore(path, cipher=fixed_cipher(), allow_plaintext_migration=True)
    assert migrating.load().conversation_id == "plain-file"


# ---- history rows: bound to their session and position ------------------------------------------------


def history_with_six_rows(tmp_path):
    path = tmp_path / "history.sqlite3"
    history = SqliteHistoryProvider(path, cipher=fixed_cipher())
    for turn in range(3):
        history.append("conv-a", [Message("user", [f"question {turn}"]), Message("assistant", [f"answer {turn}"])])
    return history, sqlite3.connect(path, isolation_level=None)


def texts(messages) -> list[str]:
    return [m.text for m in messages]


ALL_SIX = ["question 0", "answer 0", "question 1", "answer 1", "question 2", "answer 2"]


def test_history_rows_read_back_in_order(tmp_path):
    history, _ = history_with_six_rows(tmp_path)
    assert texts(history.read("conv-a")) == ALL_SIX


def test_a_deleted_history_row_is_detected_by_position(tmp_path):
    history, db = history_with_six_rows(tmp_path)
    db.execute("DELETE FROM messages WHERE position = 2")
    with pytest.raises(CorruptHistoryError, match=r"position 2 \(missing\)") as caught:
        history.read("conv-a")
    assert caught.value.positions == [2]
    assert texts(caught.value.readable) == [t for t in ALL_SIX if t != "question 1"]


def test_a_replayed_history_row_is_detected(tmp_path):
    history, db = history_with_six_rows(tmp_path)
    db.execute("DROP INDEX messages_by_position")  # an attacker with the file is not held back by an index
    db.execute(  # the same sealed row again at the end, and once more at its own position
        "INSERT INTO messages (source_id, session_id, created_at, key_id, message, position) "
        "SELECT source_id, session_id, created_at, key_id, message, 6 FROM messages WHERE position = 0"
    )
    db.execute(
        "INSERT INTO messages (source_id, session_id, created_at, key_id, message, position) "
        "SELECT source_id, session_id, created_at, key_id, message, position FROM messages WHERE position = 1"
    )
    with pytest.raises(CorruptHistoryError) as caught:
        history.read("conv-a")
    assert caught.value.positions == [1, 6]
    assert texts(caught.value.readable) == ALL_SIX


def test_swapped_history_rows_are_detected(tmp_path):
    history, db = history_with_six_rows(tmp_path)
    rows = dict(db.execute("SELECT position, message FROM messages").fetchall())
    db.execute("UPDATE messages SET message = ? WHERE position = 3", (rows[4],))
    db.execute("UPDATE messages SET message = ? WHERE position = 4", (rows[3],))
    with pytest.raises(CorruptHistoryError, match="failed authentication") as caught:
        history.read("conv-a")
    assert caught.value.positions == [3, 4]


def test_a_damaged_row_is_reported_by_position_and_the_rows_around_it_stay_readable(tmp_path):
    history, db = history_with_six_rows(tmp_path)
    blob = db.execute("SELECT message FROM messages WHERE position = 3").fetchone()[0]
    db.execute("UPDATE messages SET message = ? WHERE position = 3", (blob[:-1] + bytes([blob[-1] ^ 1]),))
    with pytest.raises(CorruptHistoryError, match=r"position 3 .*other 5 messages are intact.*skip_damaged"):
        history.read("conv-a")
    assert texts(history.read("conv-a", skip_damaged=True)) == [t for t in ALL_SIX if t != "answer 1"]


async def test_a_planted_plaintext_history_row_is_refused_unless_migrating(tmp_path):
    history, db = history_with_six_rows(tmp_path)
    plain = SqliteHistoryProvider(tmp_path / "plain.sqlite3")
    plain.append("conv-a", [Message("user", ["planted"])])
    row = sqlite3.connect(tmp_path / "plain.sqlite3").execute("SELECT message FROM messages").fetchone()[0]
    db.execute(
        "INSERT INTO messages (source_id, session_id, created_at, key_id, message, position) "
        "VALUES ('sqlite_history', 'conv-a', 0, NULL, ?, 6)",
        (row,),
    )
    with pytest.raises(PlaintextRecordError, match="position 6.*allow_plaintext_migration=True"):
        await history.get_messages("conv-a")
    migrating = SqliteHistoryProvider(history.path, cipher=fixed_cipher(), allow_plaintext_migration=True)
    assert texts(migrating.read("conv-a")) == [*ALL_SIX, "planted"]
