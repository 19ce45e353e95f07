"""Concurrent writers: every update lands or fails with ConversationConflictError, never silently.

Eight writers run load-modify-save cycles on one record, each through its own store object (its own
file handle, SQLite connection or Redis client), started together by a barrier. With retry-on-conflict
every update must be stored; without, every failed save must be a ConversationConflictError and the
stored record must hold exactly the successful ones. Four writer processes do the same across process
boundaries. The hybrid managers and the exchange journal are held to the same rule.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from agent_framework import Message
from storage_support import make_store, reopen

from modules.hybrid_agent_context import HybridAgentContextManager, save_record
from modules.labkit.sample import sample_record
from modules.storage import ConversationConflictError, ExchangeJournal, FileStore, SqliteStore

WRITERS, CYCLES, MAX_ATTEMPTS = 8, 25, 2000


def run_writers(store, conversation_id: str, *, retry: bool) -> tuple[int, list[BaseException]]:
    """WRITERS threads x CYCLES load-add_turn-save cycles; returns (successful saves, errors raised)."""
    stores = [reopen(store) for _ in range(WRITERS)]
    barrier, lock = threading.Barrier(WRITERS), threading.Lock()
    saved, errors = [0], []

    def writer(number: int) -> None:
        mine = stores[number]
        barrier.wait()
        for cycle in range(CYCLES):
            for _ in range(MAX_ATTEMPTS if retry else 1):
                record = mine.load(conversation_id)
                record.add_turn(writer=number, cycle=cycle)
                try:
                    mine.save(record)
                except ConversationConflictError as error:
                    if not retry:
                        with lock:
                            errors.append(error)
                    continue
                except BaseException as error:  # anything else is a failure of the test
                    with lock:
                        errors.append(error)
                    return
                with lock:
                    saved[0] += 1
                break

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    for other in stores:
        other.close()
    return saved[0], errors


def test_a_save_over_a_newer_revision_is_refused_and_names_the_fix(store):
    store.save(sample_record(1, seed=1, conversation_id="shared"))
    first, second = store.load("shared"), store.load("shared")
    first.add_turn(writer="first")
    store.save(first)
    assert first.revision == 2
    second.add_turn(writer="second")
    before = store._get("shared")
    with pytest.raises(ConversationConflictError, match="revision 2.*loaded at revision 1.*Load it again") as caught:
        store.save(second)
    assert (caught.value.expected_revision, caught.value.stored_revision) == (1, 2)
    assert second.revision == 1  # the failed save changed nothing, in the store or in the record
    assert store._get("shared") == before
    assert store.load("shared").routing_metadata[-1]["writer"] == "first"
    fresh = sample_record(1, seed=2, conversation_id="shared")  # never stored: must not replace the stored one
    with pytest.raises(ConversationConflictError, match="already holds a conversation with this id"):
        store.save(fresh)


@pytest.mark.parametrize("retry", [True, False], ids=["retry", "no-retry"])
def test_eight_writers_lose_no_update(store, retry):
    store.save(sample_record(1, seed=1, conversation_id="contended"))
    saved, errors = run_writers(store, "contended", retry=retry)
    stored = [turn for turn in store.load("contended").routing_metadata if "writer" in turn]
    assert len(stored) == saved  # 0 lost: every save that returned is in the record
    if retry:
        assert errors == [] and saved == WRITERS * CYCLES
        assert sorted((t["writer"], t["cycle"]) for t in stored) == [
            (w, c) for w in range(WRITERS) for c in range(CYCLES)
        ]
    else:
        assert errors and all(isinstance(error, ConversationConflictError) for error in errors)
        assert saved + len(errors) == WRITERS * CYCLES  # each cycle either landed or raised: none vanished


def test_copying_a_record_into_another_store_inserts_it(tmp_path):
    source, target = FileStore(tmp_path / "a"), SqliteStore(tmp_path / "b.sqlite3")
    source.save(sample_record(2, seed=1, conversation_id="moved"))
    record = source.load("moved")
    target.save(record)  # nothing stored there yet: an insert, whatever revision the copy had
    assert target.load("moved").routing_metadata == record.routing_metadata


# ---- hybrid managers and the exchange journal --------------------------------------------------------


async def add_exchanges(manager, target, name: str, count: int, *, retry: bool) -> list[BaseException]:
    """Add `count` exchanges, persisting after each; on a conflict, resume and add the exchange again."""
    errors: list[BaseException] = []
    for number in range(count):
        for _ in range(MAX_ATTEMPTS if retry else 1):
            manager.add_exchange(f"{name}-question-{number}", f"{name}-answer-{number}", "local", 0.01)
            try:
                await manager.save(target)
                break
            except ConversationConflictError as error:
                if not retry:
                    errors.append(error)
                    break
                await manager.resume(target, "together")
            await asyncio.sleep(0)
    return errors


def hybrid_target(kind: str, tmp_path, request):
    if kind == "file":
        return tmp_path / "together.conv.json"
    if kind == "journal":
        return ExchangeJournal(tmp_path / "journal.sqlite3")
    return make_store(kind, tmp_path, request)


@pytest.mark.parametrize("kind", ["file", "sqlite", "redis", "journal"])
async def test_two_hybrid_managers_on_one_conversation_drop_and_interleave_nothing(kind, tmp_path, request):
    target = hybrid_target(kind, tmp_path, request)
    first, second = HybridAgentContextManager("together"), HybridAgentContextManager("together")
    errors = await asyncio.gather(
        add_exchanges(first, target, "A", 25, retry=True), add_exchanges(second, target, "B", 25, retry=True)
    )
    assert errors == [[], []]
    stored = await HybridAgentContextManager("reader").resume(target, "together")
    questions = [m["content"] for m in stored.messages if m["role"] == "user"]
    answers = [m["content"] for m in stored.messages if m["role"] == "assistant"]
    assert sorted(questions) == sorted([f"A-question-{n}" for n in range(25)] + [f"B-question-{n}" for n in range(25)])
    # No interleaving: every answer follows its own question, and each writer's exchanges keep their order.
    assert [a.replace("answer", "question") for a in answers] == questions
    for name in ("A", "B"):
        assert [q for q in questions if q.startswith(name)] == [f"{name}-question-{n}" for n in range(25)]
    assert len(stored.routing_metadata) == 50


@pytest.mark.parametrize("kind", ["file", "sqlite", "journal"])
async def test_the_second_hybrid_manager_gets_a_conflict_error_and_the_first_keeps_its_work(kind, tmp_path, request):
    target = hybrid_target(kind, tmp_path, request)
    first, second = HybridAgentContextManager("together"), HybridAgentContextManager("together")
    assert await add_exchanges(first, target, "A", 3, retry=False) == []
    errors = await add_exchanges(second, target, "B", 3, retry=False)
    assert len(errors) == 3 and all("another writer" in str(e) or "already holds" in str(e) for e in errors)
    stored = await HybridAgentContextManager("reader").resume(target, "together")
    assert [m["content"] for m in stored.messages if m["role"] == "user"] == [f"A-question-{n}" for n in range(3)]


def with_exchange(record, question: str):
    """The record with one more exchange (two messages and a metadata entry), as a writer would add it."""
    messages = record.session["state"]["in_memory"]["messages"]
    messages += [Message("user", [question]).to_dict(), Message("assistant", ["ok"]).to_dict()]
    record.routing_metadata.append({"turn": len(record.routing_metadata) + 1, "source": "local"})
    return record


@pytest.mark.parametrize("save", ["store.save", "save_record"])
def test_two_writers_saving_records_to_a_journal_at_one_revision_lose_nothing(tmp_path, save):
    journal = ExchangeJournal(tmp_path / "journal.sqlite3")
    first = HybridAgentContextManager("shared")
    first.add_exchange("opening question", "ok", "local", 0.1)
    journal.save(first.to_record())
    writer_a, writer_b = with_exchange(journal.load("shared"), "A"), with_exchange(journal.load("shared"), "B")
    assert writer_a.revision == writer_b.revision == 1

    saver = journal.save if save == "store.save" else lambda record: save_record(record, journal)
    assert saver(writer_a) == 1 and writer_a.revision == 2
    with pytest.raises(
        ConversationConflictError, match=r"holds revision 2, this copy was loaded at revision 1"
    ) as caught:
        saver(writer_b)
    assert (caught.value.expected_revision, caught.value.stored_revision) == (1, 2) and writer_b.revision == 1
    stored = journal.load("shared")
    assert [m["contents"][0]["text"] for m in stored.session["state"]["in_memory"]["messages"][::2]] == [
        "opening question",
        "A",
    ]
    # The refused writer reloads, adds its exchange again, and saves: nothing is lost.
    assert saver(with_exchange(journal.load("shared"), "B")) == 1 and journal.turns("shared") == 3
    journal.close()


def test_two_writers_appending_to_one_journal_directly_need_the_expected_count(tmp_path):
    journal = ExchangeJournal(tmp_path / "journal.sqlite3")
    exchange = ([{"role": "user"}, {"role": "assistant"}], [{"turn": 1}])
    assert journal.append("direct", *exchange, expected_revision=0) == (1, 1)
    with pytest.raises(ConversationConflictError, match="already holds a conversation with this id .revision 1"):
        journal.append("direct", *exchange, expected_revision=0)
    assert journal.turns("direct") == 1 and journal.load("direct").revision == 1
    journal.close()


_PROCESS_WRITER = """
    import json, os, sys, time
    from modules.storage import ConversationConflictError, FileStore, SqliteStore
    spec, name, cycles, go = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if spec["backend"] == "file":
        store = FileStore(spec["location"])
    elif spec["backend"] == "sqlite":
        store = SqliteStore(spec["location"])
    else:
        from modules.storage.redis_store import RedisStore
        store = RedisStore(spec["location"], namespace=spec["namespace"])
    print("ready", flush=True)
    while not os.path.exists(go):                      # start together, to overlap for real
        time.sleep(0.005)
    conflicts = 0
    for cycle in range(cycles):
        while True:
            record = store.load("contended")
            record.add_turn(writer=name, cycle=cycle)
            try:
                store.save(record)
                break
            except ConversationConflictError:
                conflicts += 1
    print(f"conflicts {conflicts}", flush=True)
"""


def test_writer_processes_lose_no_update(store, tmp_path):
    import json
    import subprocess
    import textwrap

    from storage_support import PROJECT_ROOT, PYTHON, python_subprocess_env
    from test_storage_faults import _store_spec

    store.save(sample_record(1, seed=1, conversation_id="contended"))
    go, cycles = tmp_path / "go", 10
    writers = [
        subprocess.Popen(
            [
                PYTHON,
                "-c",
                textwrap.dedent(_PROCESS_WRITER),
                json.dumps(_store_spec(store)),
                f"p{n}",
                str(cycles),
                str(go),
            ],
            cwd=PROJECT_ROOT,
            env=python_subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        go.touch()
        for writer in writers:
            assert writer.wait(timeout=240) == 0, writer.stderr.read()
    finally:
        for writer in writers:
            writer.kill()
    stored = [(t["writer"], t["cycle"]) for t in store.load("contended").routing_metadata if "writer" in t]
    assert sorted(stored) == [(f"p{n}", c) for n in range(4) for c in range(cycles)]
