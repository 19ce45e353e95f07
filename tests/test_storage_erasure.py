"""Erasure is complete: no byte of the user's text stays under the store's folder, temp files included.

Writers killed mid-save (SIGKILL) leave temp files holding the conversation; the test also plants such
files, then erases and reads every byte under the folder.
"""

from __future__ import annotations

import json
import random
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from agent_framework import AgentSession, Message
from storage_support import PROJECT_ROOT, PYTHON, python_subprocess_env

from modules.hybrid_agent_context import HybridAgentContextManager
from modules.storage import ConversationRecord, FileStore, SqliteStore

MARKER = "ana-private-marker-7f3c"  # the user's text: must be nowhere after erasure


def marked_record(conversation_id: str, *, padding: int = 0, ttl_s: float | None = None) -> ConversationRecord:
    session = AgentSession(session_id=conversation_id)
    session.state["in_memory"] = {"messages": [Message("user", [MARKER + " " + "x" * padding])]}
    return ConversationRecord.from_session(session, user_id="ana", ttl_s=ttl_s)


def occurrences_under(folder: Path) -> int:
    """How often the marker occurs in the bytes of every file under `folder` (hidden ones included)."""
    return sum(path.read_bytes().count(MARKER.encode()) for path in folder.rglob("*") if path.is_file())


def plant_temp_files(store: FileStore, conversation_id: str, count: int = 3) -> None:
    """Temp files exactly as a writer killed between write and rename leaves them."""
    path = store.path_of(conversation_id)
    for _ in range(count):
        path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp").write_bytes(path.read_bytes())


_KILLED_WRITER = """
    import sys
    from agent_framework import AgentSession, Message
    from modules.storage import ConversationRecord, FileStore
    store = FileStore(sys.argv[1], compress_above=None)
    session = AgentSession(session_id="big")
    session.state["in_memory"] = {"messages": [Message("user", [sys.argv[2] + " " + "x" * 3_000_000])]}
    print("ready", flush=True)
    while True:
        record = ConversationRecord.from_session(session, user_id="ana")
        try:
            record.revision = store.load("big").revision
        except Exception:
            pass
        store.save(record)           # ~3 MB: most of the loop's time is spent writing the temp file
"""


def kill_writers_mid_save(folder: Path, kills: int) -> list[int]:
    """SIGKILL `kills` writers of a 3 MB record at seeded moments; returns the temp-file bytes each kill left."""
    delays, left = random.Random(20261130), []  # seeded: the same kill times on every run
    for _ in range(kills):
        writer = subprocess.Popen(
            [PYTHON, "-c", textwrap.dedent(_KILLED_WRITER), str(folder), MARKER],
            cwd=PROJECT_ROOT,
            env=python_subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
            time.sleep(delays.uniform(0.05, 0.3))
        finally:
            writer.kill()  # SIGKILL: no cleanup handler runs
            writer.wait(timeout=10)
        left.append(sum(path.stat().st_size for path in folder.glob(".*.tmp")))  # the next start-up removes them
    return left


def test_file_store_erasure_leaves_no_byte_of_the_user_behind_after_killed_writers(tmp_path):
    folder = tmp_path / "files"
    kill_writers_mid_save(folder, kills=4)
    store = FileStore(folder, compress_above=None)  # start-up already removes what the killed writers left
    assert list(folder.glob(".*.tmp")) == []
    store.save(marked_record("ana-1"))
    plant_temp_files(store, "ana-1")
    assert occurrences_under(folder) > 1  # the text really is on disk, in the record and the temp files
    assert store.delete_user_data("ana") == 2  # "ana-1" and "big"
    assert occurrences_under(folder) == 0
    # Only the tombstones remain: each holds the id, the last revision and the time, nothing of the user.
    assert sorted(p.name for p in folder.rglob("*")) == ["ana-1.erased", "big.erased"]
    fields = {"conversation_id", "revision", "erased_at"}
    assert all(set(json.loads(p.read_bytes())) == fields for p in folder.iterdir())


@pytest.mark.parametrize("erase", ["delete", "delete_user_data", "cleanup_expired", "start-up"])
def test_every_file_store_erasure_removes_leftover_temp_files(tmp_path, erase):
    folder = tmp_path / "files"
    store = FileStore(folder, compress_above=None)
    store.save(marked_record("ana-1", ttl_s=-1 if erase == "cleanup_expired" else None))
    plant_temp_files(store, "ana-1")
    if erase == "start-up":
        store.path_of("ana-1").unlink()  # as if deleted by an older version that left the temp files
        FileStore(folder)
    elif erase == "delete":
        assert store.delete("ana-1")
    elif erase == "delete_user_data":
        assert store.delete_user_data("ana") == 1
    else:
        assert store.cleanup_expired() == 1
    assert occurrences_under(folder) == 0


def test_sqlite_erasure_leaves_no_byte_in_the_database_or_its_log(tmp_path):
    store = SqliteStore(tmp_path / "db" / "conversations.sqlite3", compress_above=None)
    for number in range(5):
        record = marked_record(f"ana-{number}", padding=2000)
        store.save(record)
        store.save(record)  # rewritten: older copies of the pages too
    store.save(ConversationRecord.from_session(AgentSession(session_id="bob-1"), user_id="bob"))
    assert occurrences_under(tmp_path / "db") > 0
    assert store.delete_user_data("ana") == 5
    assert occurrences_under(tmp_path / "db") == 0
    assert [s.conversation_id for s in store.list()] == ["bob-1"]
    store.close()


async def test_hybrid_file_persistence_leaves_no_temp_files(tmp_path):
    path = tmp_path / "hybrid.conv.json"
    manager = HybridAgentContextManager("hybrid-erasure")
    manager.add_exchange(MARKER, "noted", "local", 0.01)
    await manager.save(path)
    for _ in range(3):  # what writers killed before their rename leave behind
        path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp").write_bytes(path.read_bytes())
    manager.add_exchange("second", "ok", "local", 0.01)
    await manager.save(path)
    assert list(tmp_path.glob(".hybrid.conv.json.*.tmp")) == []
    assert [p.name for p in tmp_path.iterdir()] == ["hybrid.conv.json"]
    assert json.loads(path.read_bytes().partition(b"\n")[0])["revision"] == 2


async def test_history_and_journal_erasure_leave_no_byte_in_their_files(tmp_path):
    from modules.storage import ExchangeJournal, SqliteHistoryProvider

    history = SqliteHistoryProvider(tmp_path / "history" / "h.sqlite3")
    history.append("ana-1", [Message("user", [MARKER + " x" * 1000]), Message("assistant", ["noted"])])
    history.append("bob-1", [Message("user", ["hello"])])
    manager = HybridAgentContextManager("ana-hybrid")
    manager.add_exchange(MARKER + " y" * 1000, "noted", "local", 0.01)
    journal = ExchangeJournal(tmp_path / "journal" / "j.sqlite3")
    await manager.save(journal)
    assert occurrences_under(tmp_path / "history") > 0 and occurrences_under(tmp_path / "journal") > 0
    assert history.clear("ana-1") == 2 and journal.delete("ana-hybrid") == 1
    assert occurrences_under(tmp_path / "history") == 0 and occurrences_under(tmp_path / "journal") == 0
    assert [m.text for m in history.read("bob-1")] == ["hello"]
    history.close()
    journal.close()
