"""Erasure does not reset revisions: every backend refuses a copy loaded before a delete (the tombstone rule).

Most tests run against FileStore, SqliteStore and RedisStore (the `store` fixture of storage_support); the last
holds the journal and the one-file store to the same rule.
"""

from __future__ import annotations

import copy
import json

import pytest
from storage_support import BACKENDS, fixed_cipher, make_store

from modules.hybrid import HybridAgentContextManager
from modules.labkit.sample import sample_record
from modules.storage import (
    ConversationConflictError,
    ConversationErasedError,
    ConversationNotFoundError,
    ConversationRecord,
    ConversationStore,
    ExchangeJournal,
    FileStore,
    OneFileStore,
    SqliteStore,
    StorageError,
    StoreOptions,
)

DAY_S = 24 * 3600.0


def raw_tombstone(store: ConversationStore, conversation_id: str) -> dict | None:
    """What the backend keeps for an erased conversation, read past the store's interface."""
    if isinstance(store, FileStore):
        path = store.tombstone_path_of(conversation_id)
        return json.loads(path.read_bytes()) if path.exists() else None
    if isinstance(store, SqliteStore):
        with store._db.reading() as db:
            row = db.execute(
                "SELECT conversation_id, revision, erased_at FROM tombstones WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
        return None if row is None else dict(zip(("conversation_id", "revision", "erased_at"), row, strict=True))
    data = store._redis.get(store._tombstone_key(conversation_id))
    return None if data is None else json.loads(data)


def saved_twice(store: ConversationStore, conversation_id: str = "ana-1") -> tuple:
    """A conversation stored at revision 2, and a stale copy of it loaded then (another writer's)."""
    record = sample_record(2, seed=1, user_id="ana", conversation_id=conversation_id)
    store.save(record)
    store.save(record)
    return record, store.load(conversation_id)


@pytest.mark.parametrize("erase", ["delete", "delete_user_data"])
def test_a_copy_loaded_before_an_erasure_cannot_save_it_back(store, erase):
    _, stale = saved_twice(store)
    store.delete("ana-1") if erase == "delete" else store.delete_user_data("ana")

    erased = r"'ana-1'.*erased from .*revision 2.*Discard this copy"
    with pytest.raises(ConversationErasedError, match=erased) as caught:
        store.save(stale)
    assert isinstance(caught.value, ConversationConflictError)  # code catching conflicts catches this too
    assert (caught.value.expected_revision, caught.value.stored_revision) == (2, 2)
    assert stale.revision == 2  # the refused save changed nothing
    with pytest.raises(ConversationNotFoundError):
        store.load("ana-1")  # the erasure holds
    assert store.list(user_id="ana", include_expired=True) == []


def test_the_tombstone_holds_the_id_the_revision_and_the_time_only(store, clock):
    saved_twice(store)
    store.delete("ana-1")
    assert raw_tombstone(store, "ana-1") == {"conversation_id": "ana-1", "revision": 2, "erased_at": clock()}


def test_a_new_conversation_under_an_erased_id_continues_its_revisions(store):
    _, stale = saved_twice(store)
    store.delete("ana-1")

    fresh = sample_record(1, seed=7, user_id="ana", conversation_id="ana-1")  # revision 0: a new record
    store.save(fresh)
    assert fresh.revision == 3 and store.load("ana-1").revision == 3
    assert raw_tombstone(store, "ana-1") is None  # the stored record carries the count now

    with pytest.raises(ConversationConflictError, match="holds revision 3.*loaded at revision 2"):
        store.save(stale)
    assert store.load("ana-1").session == fresh.session  # the new conversation was not replaced


def test_a_copy_saved_as_new_starts_a_conversation_under_the_erased_id(store):
    _, stale = saved_twice(store)
    store.delete("ana-1")
    again = stale.as_new()
    assert (again.revision, stale.revision) == (0, 2) and again.session == stale.session
    store.save(again)
    assert again.revision == 3 and store.load("ana-1").session == stale.session
    with pytest.raises(ConversationConflictError):
        store.save(stale)


def test_a_second_erasure_keeps_counting(store):
    saved_twice(store)
    store.delete("ana-1")
    again = sample_record(1, seed=8, user_id="ana", conversation_id="ana-1")
    store.save(again)
    stale = store.load("ana-1")  # revision 3
    store.delete_user_data("ana")
    assert raw_tombstone(store, "ana-1")["revision"] == 3
    with pytest.raises(ConversationErasedError):
        store.save(stale)
    newest = sample_record(1, seed=9, user_id="ana", conversation_id="ana-1")
    store.save(newest)
    assert newest.revision == 4


def test_deleting_what_was_never_stored_leaves_no_tombstone(store):
    assert store.delete("never-saved") is False
    assert raw_tombstone(store, "never-saved") is None


def test_tombstones_expire_after_the_ttl_and_cleanup_removes_them(store, clock):
    _, stale = saved_twice(store)
    store.delete("ana-1")
    clock.advance(store.tombstone_ttl_s - 1, store)
    store.cleanup_expired()
    assert raw_tombstone(store, "ana-1") is not None  # one second left
    with pytest.raises(ConversationErasedError):
        store.save(copy.deepcopy(stale))

    clock.advance(2, store)
    store.cleanup_expired()
    assert raw_tombstone(store, "ana-1") is None
    fresh = sample_record(1, seed=7, conversation_id="ana-1")
    store.save(fresh)
    assert fresh.revision == 1  # nothing is remembered about the erased conversation any more


def test_the_default_tombstone_ttl_is_thirty_days(store):
    assert store.tombstone_ttl_s == 30 * DAY_S


def test_expiry_is_not_erasure_and_leaves_no_tombstone(store, clock):
    record = sample_record(1, seed=3, conversation_id="short")
    record.expires_at = clock() + 30
    store.save(record)
    clock.advance(31, store)
    store.cleanup_expired()
    assert raw_tombstone(store, "short") is None


# ---- the journal and the one-file store follow the same rule ------------------------------------------------


def hybrid_record(conversation_id: str, exchanges: int) -> ConversationRecord:
    manager = HybridAgentContextManager(conversation_id)
    manager.user_id = "ana"
    for number in range(exchanges):
        manager.add_exchange(f"question {number}", "answer", "local", 0.1)
    return manager.to_record()


@pytest.fixture(params=["journal", "one file"])
def other_store(request, tmp_path, clock):
    if request.param == "journal":
        store = ExchangeJournal(tmp_path / "journal.sqlite3", clock=clock)
    else:
        store = OneFileStore(tmp_path / "conversation.json", clock=clock)
    yield store
    store.close()


@pytest.mark.parametrize("erase", ["delete", "delete_user_data"])
def test_the_journal_and_a_one_file_store_refuse_a_copy_loaded_before_an_erasure(other_store, erase):
    other_store.save(hybrid_record("ana-hybrid", 2))
    stale = other_store.load("ana-hybrid")
    getattr(other_store, erase)("ana-hybrid" if erase == "delete" else "ana")
    with pytest.raises(ConversationErasedError, match="'ana-hybrid'.*erased from"):
        other_store.save(stale)
    with pytest.raises(ConversationNotFoundError):
        other_store.load("ana-hybrid")

    fresh = hybrid_record("ana-hybrid", 1)
    other_store.save(fresh)
    assert fresh.revision == stale.revision + 1 == other_store.load("ana-hybrid").revision
    with pytest.raises(ConversationConflictError):
        other_store.save(stale)


def test_a_one_file_store_deletes_only_the_conversation_it_holds(tmp_path):
    store = OneFileStore(tmp_path / "conversation.json")
    store.save(hybrid_record("ana-hybrid", 1))
    assert store.delete("someone-else") is False
    assert store.load().conversation_id == "ana-hybrid" and not store.tombstone_path_of("").exists()
    assert store.delete("ana-hybrid") is True and store.tombstone_path_of("").exists()


# ---- one set of store options --------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_store_takes_the_one_set_of_options(backend, tmp_path, request, clock):
    store = make_store(backend, tmp_path, request, clock=clock, tombstone_ttl_s=60, compress_above=None)
    assert store.options == StoreOptions(clock=clock, tombstone_ttl_s=60, compress_above=None)
    assert (store.tombstone_ttl_s, store.compress_above, store.clock) == (60, None, clock)
    saved_twice(store)
    store.delete("ana-1")
    clock.advance(61, store)
    store.cleanup_expired()
    assert raw_tombstone(store, "ana-1") is None  # the store's own ttl, not the default 30 days
    store.close()
    with pytest.raises(TypeError, match="tombstone_ttl"):
        make_store(backend, tmp_path, request, tombstone_ttl=60)


def test_a_journal_refuses_a_cipher_instead_of_storing_plaintext(tmp_path):
    with pytest.raises(StorageError, match="unencrypted.*SqliteStore"):
        ExchangeJournal(tmp_path / "j.sqlite3", cipher=fixed_cipher())
    assert not (tmp_path / "j.sqlite3").exists()
