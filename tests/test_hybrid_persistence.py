"""Persisting and resuming hybrid conversations: files and every store, older formats, and bad input.

Bad input must give a typed error naming what was wrong and what to do, and lose nothing: the
stored bytes stay as they were (or are quarantined by the store, never deleted) and the manager
that failed to resume keeps its own conversation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_framework import AgentSession
from storage_support import fixed_cipher, make_store, read_raw, write_raw

from modules.hybrid import ServerSideHistoryError, UnsupportedTargetError, openai_messages
from modules.hybrid_agent_context import HybridAgentContextManager
from modules.labkit.context_echo import ContextEchoClient
from modules.storage import (
    ConversationConflictError,
    ConversationNotFoundError,
    ConversationRecord,
    CorruptRecordError,
    DecryptionError,
    FileStore,
    OneFileStore,
    SqliteStore,
    StorageUnavailableError,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "conversations"


@pytest.fixture(autouse=True)
def in_temporary_directory(tmp_path, monkeypatch):
    """The guide's test writes "test.json" to the working directory: make that a temporary one."""
    monkeypatch.chdir(tmp_path)


# The persistence guide's own unit test, unchanged: its import path and names are this course's too
# (only the module-level asyncio.run() call is left out: pytest runs async tests itself).
async def test_hybrid_persistence():
    """Test persistence and resume."""
    # Create and populate
    mgr1 = HybridAgentContextManager("test")
    mgr1.add_exchange("Hello", "Hi", "local", 0.1, {})

    # Persist
    await mgr1.save("test.json")

    # Resume
    mgr2 = HybridAgentContextManager("test2")
    await mgr2.resume("test.json")

    # Validate
    assert len(mgr2.routing_metadata) == 1
    assert mgr2.get_routing_summary()["total_exchanges"] == 1

    print("✅ Test passed!")


async def mixed_manager(session_id: str = "hybrid-1") -> HybridAgentContextManager:
    manager = HybridAgentContextManager(session_id)
    manager.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.05, {"input_tokens": 20, "output_tokens": 4})
    await manager.ask("Plan my week.", ContextEchoClient().as_agent(name="cloud"), source="cloud")
    manager.add_exchange("Thanks!", "You're welcome.", "local", 0.04)
    return manager


async def test_one_record_holds_the_session_and_the_routing_metadata_in_every_store(request, tmp_path, redis_server):
    for backend in ("file", "sqlite", "redis"):
        store = make_store(backend, tmp_path, request)
        manager = await mixed_manager()
        await manager.save(store)
        record = store.load("hybrid-1")
        assert record.session == manager.session.to_dict() and record.message_count == 6
        assert record.routing_metadata == manager.routing_metadata and "hybrid" in record.tags
        assert openai_messages(record) == manager.messages  # the OpenAI format, read from the record alone
        resumed = await HybridAgentContextManager("someone-else").resume(store, "hybrid-1")
        assert resumed.session_id == "hybrid-1" and resumed.messages == manager.messages
        assert resumed.routing_metadata == manager.routing_metadata
        assert resumed.get_routing_summary()["model_switches"] == 2
        # Continue after resuming: the agent receives every earlier message, then the record is updated in place.
        text, _ = await resumed.ask("And then?", ContextEchoClient().as_agent(name="cloud"), source="cloud")
        assert text.startswith("I received 7 messages")
        await resumed.save(store)
        assert store.load("hybrid-1").message_count == 8 and len(store.list()) == 1
        store.close()


async def test_a_file_can_be_encrypted_and_a_wrong_key_loses_nothing(tmp_path):
    path = tmp_path / "secret.json"
    manager = await mixed_manager()
    await manager.save(path, cipher=fixed_cipher(b"a"))
    stored = path.read_bytes()
    assert b"My name is Ana" not in stored
    other = await mixed_manager("other")
    for wrong in (fixed_cipher(b"b"), None):
        with pytest.raises(DecryptionError, match="CONVERSATION_ENCRYPTION_KEY"):
            await other.resume(path, cipher=wrong)
    assert path.read_bytes() == stored and other.session_id == "other" and len(other.messages) == 6
    resumed = await HybridAgentContextManager("r").resume(path, cipher=fixed_cipher(b"a"))
    assert resumed.messages == manager.messages


async def test_wrong_key_in_a_store_leaves_the_record_in_place(tmp_path):
    store = SqliteStore(tmp_path / "c.sqlite3", cipher=fixed_cipher(b"a"))
    await (await mixed_manager()).save(store)
    before = read_raw(store, "hybrid-1")
    with pytest.raises(DecryptionError, match="key id"):
        await HybridAgentContextManager("hybrid-1").resume(SqliteStore(store.path, cipher=fixed_cipher(b"b")))
    assert read_raw(store, "hybrid-1") == before


async def test_unknown_file_or_id_names_what_is_missing_and_how_to_fix_it(tmp_path):
    manager = await mixed_manager()
    with pytest.raises(ConversationNotFoundError, match=r"no file .*nowhere\.json.*save\(path\)"):
        await manager.resume(tmp_path / "nowhere.json")
    with pytest.raises(ConversationNotFoundError, match="store.list"):
        await manager.resume(FileStore(tmp_path / "empty"), "never-saved")
    assert manager.session_id == "hybrid-1" and len(manager.routing_metadata) == 3


async def test_a_corrupted_file_is_reported_and_left_as_it_was(tmp_path):
    path = tmp_path / "conv.json"
    await (await mixed_manager()).save(path)
    whole = path.read_bytes()
    manager = HybridAgentContextManager("keeps-its-own")
    manager.add_exchange("Mine", "Yours", "local", 0.1)
    for damaged in (whole[: len(whole) // 2], b"\x00garbage", b""):
        path.write_bytes(damaged)
        with pytest.raises(CorruptRecordError, match="Restore it from a backup"):
            await manager.resume(path)
        assert path.read_bytes() == damaged
    assert manager.session_id == "keeps-its-own" and manager.messages[0]["content"] == "Mine"


async def test_a_corrupted_record_in_a_store_is_quarantined_not_deleted(tmp_path, request):
    store = make_store("sqlite", tmp_path, request)
    await (await mixed_manager()).save(store)
    damaged = read_raw(store, "hybrid-1")[:40]
    write_raw(store, "hybrid-1", damaged)
    with pytest.raises(CorruptRecordError, match="moved aside"):
        await HybridAgentContextManager("hybrid-1").resume(store)
    assert store.quarantined("hybrid-1") == [damaged]


async def test_a_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "conv.json"
    manager = await mixed_manager()
    await manager.save(path)
    before = path.read_bytes()
    manager.add_exchange("More", "Sure", "local", 0.1)
    with pytest.raises(StorageUnavailableError, match="writable"):
        await manager.save(path / "not-a-directory" / "x.json")
    (tmp_path / "a-directory").mkdir()
    with pytest.raises(StorageUnavailableError, match="previous version in place"):
        await manager.save(tmp_path / "a-directory")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory", "conv.json"]  # no temp files left


async def test_targets_that_are_neither_paths_nor_stores_and_service_managed_records_are_refused(tmp_path):
    manager = await mixed_manager()
    with pytest.raises(UnsupportedTargetError, match="file path .* or a store"):
        await manager.save({"not": "a target"})
    store = FileStore(tmp_path / "files")
    store.save(ConversationRecord.from_session(AgentSession(session_id="svc", service_session_id="resp_123")))
    with pytest.raises(ServerSideHistoryError, match="keeps its history on the service"):
        await manager.resume(store, "svc")
    assert manager.session_id == "hybrid-1"


async def test_older_formats_resume_with_every_metadata_key(tmp_path):
    guide = await HybridAgentContextManager("x").resume(DATA / "guide_export_session_123.json")
    assert guide.session_id == "session_123" and len(guide.messages) == 4
    assert [e["source"] for e in guide.routing_metadata] == ["local", "cloud"]
    assert guide.get_routing_summary()["model_switches"] == 1
    v1 = await HybridAgentContextManager("y").resume(DATA / "v1_conv-v1.json")
    assert v1.messages == [{"role": "user", "content": "Hello!"}, {"role": "assistant", "content": "Hi there!"}]
    entry = v1.routing_metadata[0]
    assert (entry["source"], entry["response_time_s"], entry["switched"], entry["reasons"]) == (
        "local",
        0.08,
        False,
        [],
    )
    # Saved again, they are in the current format and continue as any hybrid conversation.
    await guide.save(tmp_path / "upgraded.json")
    assert (tmp_path / "upgraded.json").read_bytes().startswith(b'{"format":"hybrid-router-conversation","version":2')


async def test_the_journal_appends_only_new_exchanges_and_resumes_the_same_conversation(tmp_path):
    from modules.storage import ExchangeJournal

    journal = ExchangeJournal(tmp_path / "journal.sqlite3")
    manager = await mixed_manager()
    assert await manager.save(journal) == 3
    manager.add_exchange("One more", "Sure", "local", 0.1)
    assert await manager.save(journal) == 1 and journal.turns("hybrid-1") == 4
    resumed = await HybridAgentContextManager("x").resume(journal, "hybrid-1")
    assert resumed.messages == manager.messages and resumed.routing_metadata == manager.routing_metadata
    # A manager that is behind the journal must not silently drop the newer exchanges.
    behind = await mixed_manager()
    taken = r"already holds a conversation with this id \(revision 4\).*Load it again"
    with pytest.raises(ConversationConflictError, match=taken):
        await behind.save(journal)
    with pytest.raises(ConversationNotFoundError):
        await resumed.resume(journal, "never-saved")
    assert journal.turns("hybrid-1") == 4
    journal.close()


_KILLED_PERSISTER = """
    import asyncio, sys
    from modules.hybrid_agent_context import HybridAgentContextManager

    async def main(path):
        manager = HybridAgentContextManager("killed")
        try:
            await manager.resume_from_storage(path)       # continue where the killed one stopped
        except Exception:
            pass
        print("ready", flush=True)
        while True:
            turn = len(manager.routing_metadata) + 1
            manager.add_exchange_with_local(f"question {turn} " + "x" * 200_000, f"answer {turn}", 0.01)
            print(f"persisting {turn}", flush=True)
            await manager.persist_to_storage(path)
            print(f"persisted {turn}", flush=True)

    asyncio.run(main(sys.argv[1]))
"""


async def test_a_persister_killed_mid_save_never_tears_the_file_or_blocks_the_next_one(tmp_path):
    import random
    import subprocess
    import textwrap
    import time

    from storage_support import PROJECT_ROOT, PYTHON, python_subprocess_env

    path, delays, torn = tmp_path / "killed.json", random.Random(20261130), 0
    for _ in range(6):
        writer = subprocess.Popen(
            [PYTHON, "-c", textwrap.dedent(_KILLED_PERSISTER), str(path)],
            cwd=PROJECT_ROOT,
            env=python_subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:  # a killed predecessor's lock never blocks it: the OS released the lock with the process
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
            assert writer.stdout.readline().startswith("persisting"), writer.stderr.read()
            time.sleep(delays.uniform(0.05, 0.4))
        finally:
            writer.kill()  # SIGKILL mid-save, most of the time
            writer.wait(timeout=10)
        lines = writer.stdout.read().split()
        persisted = [int(n) for word, n in zip(lines, lines[1:], strict=False) if word == "persisted"]
        if not path.exists():  # killed before its first save finished: nothing to tear yet
            continue
        try:
            resumed = await HybridAgentContextManager("reader").resume(path)
        except CorruptRecordError:
            torn += 1
            continue
        stored = len(resumed.routing_metadata)
        assert not persisted or stored in (persisted[-1], persisted[-1] + 1)  # the last save landed whole, or not
        assert [m["content"].split()[:2] for m in resumed.messages[1::2]] == [
            ["answer", str(n)] for n in range(1, stored + 1)
        ]
    assert torn == 0
    resumed.add_exchange("after the kills", "fine", "local", 0.01)
    await resumed.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.json"]  # no temp file of a killed writer is left


async def test_a_file_named_by_a_relative_or_an_absolute_path_is_one_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manager = await mixed_manager()
    await manager.save("conv.json")
    await manager.resume(tmp_path / "conv.json")
    manager.add_exchange("More?", "Sure.", "local", 0.1)
    await manager.save("conv.json")  # the revision it resumed from the absolute path is the relative path's
    assert len((await mixed_manager()).routing_metadata) + 1 == len(manager.routing_metadata)
    assert OneFileStore(tmp_path / "conv.json").load().revision == 2


async def test_the_compaction_summary_is_persisted_and_restored_by_every_store_the_journal_too(
    request, tmp_path, redis_server
):
    from modules.hybrid.compaction import check_state
    from modules.storage import ExchangeJournal

    def summary(covers: int, extends: str | None) -> dict:
        return {
            "id": f"summary-{covers}",
            "text": f"Ana planned {covers} things.",
            "covers": covers,
            "extends": extends,
        }

    stores = [make_store(backend, tmp_path, request) for backend in ("file", "sqlite", "redis")]
    stores += [ExchangeJournal(tmp_path / "journal.sqlite3"), OneFileStore(tmp_path / "one.json")]
    for store in stores:
        manager = await mixed_manager()
        manager.session.state["compaction"] = {"summary": summary(2, None), "summaries_written": 1}
        await manager.save(store)
        resumed = await HybridAgentContextManager("elsewhere").resume(store, "hybrid-1")
        assert resumed.session.state["compaction"] == manager.session.state["compaction"], store
        assert check_state(resumed.session, "hybrid-1", resumed.routing_metadata) is None
        # The summary is extended on a later turn: the store holds the newest one (the journal appends it).
        resumed.add_exchange("And Friday?", "Free.", "local", 0.1)
        resumed.session.state["compaction"] = {"summary": summary(6, "summary-2"), "summaries_written": 2}
        await resumed.save(store)
        again = await HybridAgentContextManager("third").resume(store, "hybrid-1")
        assert again.session.state["compaction"]["summary"] == summary(6, "summary-2"), store
        assert again.messages == resumed.messages and len(again.routing_metadata) == 4
        store.close()


async def test_a_journal_written_before_it_kept_the_summary_resumes_with_the_full_history_and_says_so(tmp_path):
    import sqlite3

    from modules.hybrid.compaction import DamagedSummaryWarning, check_state
    from modules.storage import ExchangeJournal

    journal = ExchangeJournal(tmp_path / "journal.sqlite3")
    manager = await mixed_manager()
    manager.routing_metadata[-1]["received"] = {"summary_id": "summary-2", "messages_summarised": 2}
    manager.session.state["compaction"] = {"summary": {"id": "summary-2", "text": "Ana.", "covers": 2}}
    await manager.save(journal)
    journal.close()
    with sqlite3.connect(tmp_path / "journal.sqlite3") as db:  # as an older version wrote it: no state column value
        db.execute("UPDATE exchanges SET state = NULL")
    resumed = await HybridAgentContextManager("x").resume(ExchangeJournal(tmp_path / "journal.sqlite3"), "hybrid-1")
    assert "compaction" not in resumed.session.state and resumed.messages == manager.messages
    with pytest.warns(DamagedSummaryWarning, match="'hybrid-1'.*missing.*full stored history"):
        check_state(resumed.session, "hybrid-1", resumed.routing_metadata)
