"""Failures: a writer killed mid-save, concurrent writer processes, hostile ids, damaged records."""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import textwrap
import time
import uuid

import pytest
from storage_support import (
    PROJECT_ROOT,
    PYTHON,
    fixed_cipher,
    make_store,
    python_subprocess_env,
    read_raw,
    reopen,
    write_raw,
)

from modules.labkit.sample import sample_record
from modules.storage import (
    ConversationNotFoundError,
    CorruptRecordError,
    DecryptionError,
    FileStore,
    InvalidConversationIdError,
    StorageUnavailableError,
    UnsupportedVersionError,
)


def _store_spec(store) -> dict:
    """How a child process opens the same store."""
    if store.backend == "file":
        return {"backend": "file", "location": str(store.directory)}
    if store.backend == "sqlite":
        return {"backend": "sqlite", "location": str(store.path)}
    pool = store._redis.connection_pool.connection_kwargs
    return {"backend": "redis", "location": f"redis://{pool['host']}:{pool['port']}/0", "namespace": store.namespace}


def _spawn(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-c", textwrap.dedent(code), *args],
        cwd=PROJECT_ROOT,
        env=python_subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---- a writer killed in the middle of a save --------------------------------------------------------

_WRITER = """
    import itertools, json, sys
    from modules.storage import ConversationNotFoundError, FileStore, SqliteStore
    from modules.labkit.sample import sample_record
    spec = json.loads(sys.argv[1])
    if spec["backend"] == "file":
        store = FileStore(spec["location"], compress_above=None)
    elif spec["backend"] == "sqlite":
        store = SqliteStore(spec["location"], compress_above=None)
    else:
        from modules.storage.redis_store import RedisStore
        store = RedisStore(spec["location"], namespace=spec["namespace"], compress_above=None)
    versions = [sample_record(300, seed=seed, conversation_id="crash") for seed in (1, 2)]
    try:
        revision = store.load("crash").revision  # a killed writer's successor continues the stored revision
    except ConversationNotFoundError:
        revision = 0
    for count in itertools.count():
        record = versions[count % 2]
        record.tags, record.revision = [f"v{count}"], revision
        print(f"saving {count}", flush=True)
        store.save(record)           # ~300 KB each: most of the loop's time is spent in here
        revision = record.revision
        print(f"saved {count}", flush=True)
"""


def test_a_writer_killed_mid_save_leaves_the_previous_version_loadable(store):
    expected = [sample_record(300, seed=seed, conversation_id="crash").session for seed in (1, 2)]  # it alternates
    delays = random.Random(20261123)  # seeded: the same kill times on every run
    kills_mid_save = 0
    for _ in range(4):
        writer = _spawn(_WRITER, json.dumps(_store_spec(store)))
        try:
            assert writer.stdout.readline().strip() == "saving 0", writer.stderr.read()
            assert writer.stdout.readline().strip() == "saved 0", writer.stderr.read()
            time.sleep(delays.uniform(0.05, 0.4))
        finally:
            writer.kill()  # SIGKILL: no cleanup handlers, no flush
            writer.wait(timeout=10)
        last = writer.stdout.read().strip().splitlines()[-1:] or ["saved 0"]
        landed_mid_save = last[0].startswith("saving")  # began a save and never finished it
        kills_mid_save += landed_mid_save
        record = store.load("crash")  # never a torn record: one complete version or the other
        version = int(record.tags[0][1:])
        assert record.session == expected[version % 2]
        assert len(record.routing_metadata) == 300
        if landed_mid_save:  # the interrupted save left the version before it, or finished just before the kill
            assert version in (int(last[0].split()[1]) - 1, int(last[0].split()[1]))
    assert kills_mid_save > 0  # the kill really interrupted a save
    assert [s.conversation_id for s in store.list()] == ["crash"]


# ---- two processes appending to one conversation ---------------------------------------------------

_APPENDER = """
    import asyncio, os, sys, time
    from agent_framework import AgentSession
    from modules.storage import SqliteHistoryProvider, redis_history_provider
    from modules.labkit.context_echo import ContextEchoClient
    kind, location, session_id, name, turns, go = sys.argv[1:5] + [int(sys.argv[5]), sys.argv[6]]

    async def main():
        history = SqliteHistoryProvider(location) if kind == "sqlite" else redis_history_provider(location)
        agent = ContextEchoClient().as_agent(name=name, context_providers=[history])
        session = AgentSession(session_id=session_id)     # each process knows only the id
        print("ready", flush=True)
        while not os.path.exists(go):                      # start together, to overlap for real
            time.sleep(0.005)
        for turn in range(turns):
            await agent.run(f"{name}-turn-{turn}", session=session)
        if kind == "redis":
            await history.aclose()

    asyncio.run(main())
"""


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_two_writer_processes_appending_to_one_conversation_lose_no_message(kind, tmp_path, request):
    from modules.storage import SqliteHistoryProvider, redis_history_provider

    turns, go, session_id = 25, tmp_path / "go", f"shared-{kind}-{time.time_ns()}"
    location = str(tmp_path / "history.sqlite3") if kind == "sqlite" else request.getfixturevalue("redis_server").url
    writers = [_spawn(_APPENDER, kind, location, session_id, name, str(turns), str(go)) for name in ("alpha", "beta")]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        go.touch()
        for writer in writers:
            assert writer.wait(timeout=120) == 0, writer.stderr.read()
    finally:
        for writer in writers:
            writer.kill()

    history = SqliteHistoryProvider(location) if kind == "sqlite" else redis_history_provider(location)
    messages = await history.get_messages(session_id)
    if kind == "redis":
        await history.aclose()
    assert len(messages) == 2 * turns * 2
    user_lines = [m.text for m in messages if m.role == "user"]
    for name in ("alpha", "beta"):
        assert [line for line in user_lines if line.startswith(name)] == [f"{name}-turn-{t}" for t in range(turns)]
    # Each turn (question + answer) was appended in one transaction: never split by the other writer.
    for question, answer in zip(messages[::2], messages[1::2], strict=True):
        assert question.role == "user" and answer.role == "assistant" and answer.text.endswith(question.text)


# ---- hostile ids -------------------------------------------------------------------------------------


def test_file_store_ids_cannot_escape_the_directory(tmp_path):
    store = FileStore(tmp_path / "conversations")
    before = sorted(p for p in tmp_path.rglob("*"))
    for bad in ("../outside", "../../etc/passwd", "/abs/path", "sub/dir", "..", ".", "x\x00.conv"):
        record = sample_record(1, seed=1)
        record.conversation_id = bad
        with pytest.raises(InvalidConversationIdError):
            store.save(record)
        with pytest.raises(InvalidConversationIdError):
            store.load(bad)
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_file_store_does_not_write_through_a_planted_symlink(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    store = FileStore(tmp_path / "conversations")
    store.path_of("victim").symlink_to(outside)
    store.save(sample_record(1, seed=1, conversation_id="victim"))
    assert outside.read_text() == "keep me" and not store.path_of("victim").is_symlink()
    assert store.load("victim").conversation_id == "victim"


def test_redis_keys_cannot_be_injected(redis_server):
    from modules.storage.redis_store import RedisStore

    store = RedisStore(redis_server.url, namespace="injection")
    store.save(sample_record(1, seed=1, conversation_id="innocent"))
    for bad in ("*", "innocent\r\nFLUSHALL", "conv:innocent", "x y", "injection:index"):
        with pytest.raises(InvalidConversationIdError):
            store.delete(bad)
        with pytest.raises(InvalidConversationIdError):
            store.delete_user_data(bad)
    assert store.load("innocent").conversation_id == "innocent"
    with pytest.raises(InvalidConversationIdError):
        RedisStore(redis_server.url, namespace="ns:*")


# ---- damaged records: typed errors, originals kept -----------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bit-flip"])
def test_a_corrupt_record_is_quarantined_never_deleted(store, tmp_path, request, damage):
    store = make_store(store.backend, tmp_path, request, cipher=fixed_cipher()) if damage == "bit-flip" else store
    record = sample_record(20, seed=5, conversation_id="damaged")
    store.save(record)
    good = read_raw(store, "damaged")
    bad = {
        "garbage": b"\x00\xffnot a record",
        "truncated": good[: len(good) - 100],
        "bit-flip": good[:-5] + bytes([good[-5] ^ 1]) + good[-4:],
    }[damage]
    write_raw(store, "damaged", bad)

    with pytest.raises(CorruptRecordError) as error:
        store.load("damaged")
    assert "'damaged'" in str(error.value) and "moved aside" in str(error.value) and error.value.quarantined_to
    assert store.quarantined("damaged") == [bad]  # the original bytes, kept
    with pytest.raises(ConversationNotFoundError):  # the id is free for a fresh start...
        store.load("damaged")
    store.save(sample_record(2, seed=6, conversation_id="damaged"))
    assert store.load("damaged").message_count == 4
    assert store.quarantined("damaged") == [bad]  # ...without touching the quarantined copy
    assert store.delete_user_data("ana") == 1 and store.quarantined("damaged") == []  # erasure reaches it


def test_a_newer_version_is_left_in_place(store):
    record = sample_record(1, seed=7, conversation_id="future")
    store.save(record)
    header_line, _, body = read_raw(store, "future").partition(b"\n")
    newer = json.dumps(json.loads(header_line) | {"version": 99}).encode() + b"\n" + body
    write_raw(store, "future", newer)
    with pytest.raises(UnsupportedVersionError, match="'future'.*version 99.*Upgrade"):
        store.load("future")
    assert read_raw(store, "future") == newer and store.quarantined("future") == []


def test_a_wrong_key_leaves_the_record_in_place(store):
    reopen(store, cipher=fixed_cipher(b"a")).save(sample_record(1, seed=8, conversation_id="locked"))
    stored = read_raw(store, "locked")
    with pytest.raises(DecryptionError, match="'locked'.*encrypted with key id .* configured key has id"):
        reopen(store, cipher=fixed_cipher(b"b")).load("locked")
    assert read_raw(store, "locked") == stored and store.quarantined("locked") == []


# ---- the backend itself fails ------------------------------------------------------------------------


def test_an_unreachable_or_broken_backend_is_a_storage_unavailable_error(tmp_path):
    from modules.runtime.ports import free_port
    from modules.storage import SqliteStore
    from modules.storage.redis_store import RedisStore

    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there: no redis-server needed for this test
    with pytest.raises(
        StorageUnavailableError, match="'conv-1'.*Redis 127.0.0.1.*failed.*Check that the backend is running"
    ):
        RedisStore(url).load("conv-1")

    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_bytes(b"these are my notes, not a database" * 200)
    with pytest.raises(StorageUnavailableError, match="SQLite file .*notes.sqlite3 cannot be opened.*not a database"):
        SqliteStore(not_a_database)
    assert not_a_database.read_bytes().startswith(b"these are my notes")  # not overwritten


# ---- the redis-server helper -------------------------------------------------------------------------


def test_redis_server_helper_explains_a_missing_binary_and_a_busy_port(monkeypatch):
    import socket

    from modules.labkit import redis_server as helper

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        with pytest.raises(helper.RedisServerError, match=f"Port {busy} on 127.0.0.1 is in use"):
            helper.RedisServer(busy).start()
    monkeypatch.setattr(helper, "redis_server_executable", lambda: None)
    with pytest.raises(
        helper.RedisServerError, match="not installed.*apt-get install redis-server.*brew install redis"
    ):
        helper.RedisServer().start()


# ---- races ---------------------------------------------------------------------------------------------


def _save_until(stop, erasing, landed: list, url: str, namespace: str, prefix: str) -> None:
    """Save new conversations of "ana" until `stop`; note those that landed once erasure had begun."""
    from modules.storage.redis_store import RedisStore

    with RedisStore(url, namespace=namespace) as writer:
        for index in itertools.count():
            if stop.is_set():
                return
            writer.save(sample_record(1, seed=3, user_id="ana", conversation_id=f"{prefix}-{index}"))
            if erasing.is_set():
                landed.append(index)


def test_redis_erasure_racing_a_save_leaves_nothing_of_the_user_unlisted(redis_server):
    """A save landing during delete_user_data is either erased or stays findable by its user (then erasable)."""
    import threading

    from modules.storage.redis_store import RedisStore

    store = RedisStore(redis_server.url, namespace=f"erasure-{uuid.uuid4().hex[:8]}")
    landed_during_erasure = 0
    for round_ in range(6):  # bounded: each round is one erasure racing one writer
        for index in range(60):
            store.save(sample_record(1, seed=3, user_id="ana", conversation_id=f"old-{round_}-{index}"))
        erasing, stop, landed = threading.Event(), threading.Event(), []
        arguments = (stop, erasing, landed, redis_server.url, store.namespace, f"new-{round_}")
        thread = threading.Thread(target=_save_until, args=arguments)
        thread.start()
        erasing.set()
        store.delete_user_data("ana")
        stop.set()
        thread.join(timeout=30)
        landed_during_erasure += len(landed)

        of_ana = {s.conversation_id for s in store.list() if s.user_id == "ana"}
        assert {s.conversation_id for s in store.list(user_id="ana")} == of_ana  # nothing escaped the user index
        assert store.delete_user_data("ana") == len(of_ana)  # a second erasure finds and removes each one
        assert [s for s in store.list() if s.user_id == "ana"] == []
    assert landed_during_erasure > 0  # the race was really run: saves landed while erasure was under way
    store.close()


def test_file_store_ids_differing_only_in_case_get_files_that_differ_on_any_file_system(tmp_path):
    store = FileStore(tmp_path / "conversations")
    for index, conversation_id in enumerate(("ana-notes", "Ana-Notes", "ANA-NOTES")):
        store.save(sample_record(1, seed=index, conversation_id=conversation_id))
    names = [p.name for p in store.directory.glob("*.conv")]
    assert len({name.casefold() for name in names}) == 3, names  # macOS and Windows fold case: still three files
    for index, conversation_id in enumerate(("ana-notes", "Ana-Notes", "ANA-NOTES")):
        assert (
            store.load(conversation_id).session == sample_record(1, seed=index, conversation_id=conversation_id).session
        )
    assert sorted(s.conversation_id for s in store.list()) == ["ANA-NOTES", "Ana-Notes", "ana-notes"]


def test_file_store_still_loads_a_record_saved_under_the_name_older_versions_used(tmp_path):
    """Before case-safe names, 'Ana-Notes' was stored as 'Ana-Notes.conv': it loads, lists, and moves on next save."""
    store = FileStore(tmp_path / "conversations")
    old = sample_record(2, seed=4, conversation_id="Ana-Notes")
    store.save(old)
    store.path_of("Ana-Notes").rename(store.directory / "Ana-Notes.conv")  # the file as an older version wrote it
    assert store.load("Ana-Notes").session == old.session
    assert [s.conversation_id for s in store.list()] == ["Ana-Notes"]
    record = store.load("Ana-Notes")
    record.add_turn(tier="local")
    store.save(record)
    assert sorted(p.name for p in store.directory.glob("*.conv")) == [store.path_of("Ana-Notes").name]
    assert store.delete("Ana-Notes") and not list(store.directory.glob("*.conv"))


WINDOWS_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@pytest.mark.parametrize("conversation_id", ["nul", "CON", "Aux", "com1", "lpt9.backup", "prn.2025"])
def test_file_store_never_names_a_file_after_a_windows_device(tmp_path, conversation_id):
    store = FileStore(tmp_path / "conversations")
    store.save(sample_record(1, seed=2, conversation_id=conversation_id))
    (path,) = store.directory.glob("*.conv")
    assert path.name.split(".")[0].lower() not in WINDOWS_DEVICE_NAMES, path.name  # Windows: CON.conv is no file
    assert store.load(conversation_id).conversation_id == conversation_id
    assert [s.conversation_id for s in store.list()] == [conversation_id]


def test_file_store_quarantine_never_moves_a_good_write_that_lands_meanwhile(tmp_path, monkeypatch):
    """A writer saves just as a reader moves the corrupt version aside: the writer waits, the good one stays."""
    import os
    import threading

    store, writer = FileStore(tmp_path / "c"), FileStore(tmp_path / "c")
    store.save(sample_record(1, seed=1, conversation_id="busy"))
    write_raw(store, "busy", b"\x00 corrupt")
    good = sample_record(3, seed=9, conversation_id="busy", tags=("good",))
    real_replace, saving = os.replace, []

    def replace_while_a_writer_saves(source, target):
        if not saving and os.fspath(source) == os.fspath(store.path_of("busy")):
            saving.append(threading.Thread(target=writer.save, args=(good,)))
            saving[0].start()
            saving[0].join(timeout=0.3)
            saving.append(saving[0].is_alive())  # the writer waits for the directory lock the move holds
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_while_a_writer_saves)
    with pytest.raises(CorruptRecordError):
        store.load("busy")
    monkeypatch.undo()
    saving[0].join(timeout=10)
    assert saving[1] is True  # the save really overlapped the move
    assert store.load("busy").tags == ["good"]  # the good write is in place, not in quarantine
    assert store.quarantined("busy") == [b"\x00 corrupt"]


def test_a_closed_sqlite_store_says_run_the_lab_from_the_top_not_check_the_backend(tmp_path):
    from modules.storage import SqliteStore, StorageUnavailableError

    store = SqliteStore(tmp_path / "closed.sqlite3")
    store.close()  # what a lab's clean-up cell does before an attendee runs an exercise again
    with pytest.raises(StorageUnavailableError, match="Run the lab from the top") as caught:
        store.list()
    assert "backend is running" not in str(caught.value)
