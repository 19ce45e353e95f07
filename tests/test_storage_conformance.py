"""One behaviour, every backend: each test runs against FileStore, SqliteStore and RedisStore."""

from __future__ import annotations

import pytest
from storage_support import fixed_cipher, make_store, read_raw, reopen

from modules.labkit.context_echo import ContextEchoClient
from modules.labkit.sample import sample_record, sample_session
from modules.storage import (
    ConversationNotFoundError,
    ConversationRecord,
    DecryptionError,
    InvalidConversationIdError,
)


def test_save_then_load_returns_the_same_conversation(store):
    record = sample_record(12, seed=1)
    size = store.save(record)
    loaded = store.load(record.conversation_id)
    assert size > 0
    assert loaded.session == record.session
    assert loaded.routing_metadata == record.routing_metadata
    assert (loaded.user_id, loaded.tags, loaded.created_at, loaded.expires_at) == (
        record.user_id,
        record.tags,
        record.created_at,
        None,
    )
    assert loaded.updated_at == pytest.approx(record.updated_at)
    assert [m.text for m in loaded.to_session().state["in_memory"]["messages"]] == [
        m.text for m in sample_session(12, seed=1).state["in_memory"]["messages"]
    ]


async def test_a_loaded_session_continues_with_its_full_history(store):
    agent = ContextEchoClient().as_agent(name="echo")
    session = agent.create_session()
    await agent.run("My name is Ana", session=session)
    store.save(ConversationRecord.from_session(session, user_id="ana"))
    del session  # only the store remembers the conversation now

    resumed = store.load(store.list(user_id="ana")[0].conversation_id).to_session()
    reply = await agent.run("What is my name?", session=resumed)
    assert reply.text == "I received 3 messages. You said: My name is Ana | What is my name?"


def test_loading_an_unknown_id_raises_not_found_naming_it(store):
    with pytest.raises(ConversationNotFoundError, match="'never-saved'.*nothing is stored"):
        store.load("never-saved")


def test_saving_again_replaces_the_record_and_keeps_created_at(store, clock):
    record = sample_record(2, seed=2)
    store.save(record)
    first_update = record.updated_at
    record.add_turn(tier="cloud", model="gpt-4o-mini", latency_s=1.2)
    record.tags = ["retagged"]
    clock.advance(1, store)
    store.save(record)
    loaded = store.load(record.conversation_id)
    assert len(loaded.routing_metadata) == 3 and loaded.routing_metadata[-1]["tier"] == "cloud"
    assert loaded.created_at == record.created_at and loaded.updated_at > first_update
    assert [s.conversation_id for s in store.list(tag="retagged")] == [record.conversation_id]
    assert store.list(tag="sample") == []  # the old tag no longer finds it


def test_list_filters_by_user_tag_and_update_time_newest_first(store, clock):
    ana_old = sample_record(1, seed=3, user_id="ana", tags=("support",), conversation_id="ana-old")
    bob = sample_record(1, seed=4, user_id="bob", tags=("sales",), conversation_id="bob-1")
    store.save(ana_old)
    clock.advance(1, store)
    store.save(bob)
    cutoff = clock()
    clock.advance(1, store)
    ana_new = sample_record(1, seed=5, user_id="ana", tags=("support", "vip"), conversation_id="ana-new")
    store.save(ana_new)

    assert [s.conversation_id for s in store.list()] == ["ana-new", "bob-1", "ana-old"]
    assert [s.conversation_id for s in store.list(user_id="ana")] == ["ana-new", "ana-old"]
    assert [s.conversation_id for s in store.list(tag="support")] == ["ana-new", "ana-old"]
    assert [s.conversation_id for s in store.list(user_id="ana", tag="vip")] == ["ana-new"]
    assert [s.conversation_id for s in store.list(updated_after=cutoff)] == ["ana-new"]
    summary = store.list(user_id="bob")[0]
    assert summary.tags == ("sales",) and summary.version == 2 and summary.size_bytes == len(read_raw(store, "bob-1"))


def test_delete_removes_the_conversation(store):
    record = sample_record(1, seed=6)
    store.save(record)
    assert store.delete(record.conversation_id) is True
    assert store.delete(record.conversation_id) is False
    assert store.list() == []
    with pytest.raises(ConversationNotFoundError):
        store.load(record.conversation_id)


def test_delete_user_data_erases_every_conversation_of_that_user_only(store):
    for index in range(3):
        store.save(sample_record(1, seed=index, user_id="ana", conversation_id=f"ana-{index}"))
    store.save(sample_record(1, seed=9, user_id="bob", conversation_id="bob-0"))
    assert store.delete_user_data("ana") == 3
    assert [s.conversation_id for s in store.list()] == ["bob-0"]
    assert store.list(user_id="ana") == []
    assert store.delete_user_data("ana") == 0


def test_expired_conversations_are_not_loaded_and_cleanup_removes_them(store, clock):
    live, short = sample_record(1, seed=10, conversation_id="live"), sample_record(1, seed=11, conversation_id="short")
    live.expires_at, short.expires_at = clock() + 3600, clock() + 30
    store.save(live)
    store.save(short)
    clock.advance(29, store)
    assert store.load("short").conversation_id == "short"  # one second left
    clock.advance(2, store)
    with pytest.raises(ConversationNotFoundError, match="'short'"):
        store.load("short")
    assert [s.conversation_id for s in store.list()] == ["live"]
    assert {s.conversation_id for s in store.list(include_expired=True)} == {"live", "short"}
    assert store.cleanup_expired() == 1
    assert [s.conversation_id for s in store.list(include_expired=True)] == ["live"]
    assert store.load("live").expires_at == pytest.approx(live.expires_at)


@pytest.mark.parametrize(
    "bad_id", ["../escape", "a/b", "a\\b", "nul\x00byte", "with space", "*", "key:*", ".hidden", "", "x" * 129, 42]
)
def test_unsafe_ids_are_rejected_before_any_io(store, bad_id):
    record = sample_record(1, seed=12)
    record.conversation_id = bad_id
    with pytest.raises(InvalidConversationIdError, match="not"):
        store.save(record)
    for operation in (store.load, store.delete, store.quarantined):
        with pytest.raises(InvalidConversationIdError):
            operation(bad_id)
    assert store.list(include_expired=True) == []


@pytest.mark.parametrize(
    ("field", "value"), [("user_id", "../../etc"), ("user_id", "*"), ("tags", ["a:b"]), ("tags", ["ok", "x y"])]
)
def test_unsafe_user_ids_and_tags_are_rejected_and_nothing_is_stored(store, field, value):
    record = sample_record(1, seed=13)
    setattr(record, field, value)
    with pytest.raises(InvalidConversationIdError, match="user id" if field == "user_id" else "tag"):
        store.save(record)
    assert store.list(include_expired=True) == []


@pytest.mark.parametrize("bad", ["*", "a/b", "x y"])
def test_unsafe_user_ids_and_tags_are_rejected_by_erasure_and_listing(store, bad):
    store.save(sample_record(1, seed=13, conversation_id="kept"))
    for call in (lambda: store.delete_user_data(bad), lambda: store.list(user_id=bad), lambda: store.list(tag=bad)):
        with pytest.raises(InvalidConversationIdError):
            call()
    assert [s.conversation_id for s in store.list()] == ["kept"]  # nothing erased by a refused call


def test_encrypted_store_keeps_no_plaintext_and_needs_the_key(store, tmp_path, request):
    record = sample_record(5, seed=14)
    secret_words = record.session["state"]["in_memory"]["messages"][0]["contents"][0]["text"][:40]
    encrypted = make_store(store.backend, tmp_path, request, cipher=fixed_cipher())
    encrypted.save(record)
    stored = read_raw(encrypted, record.conversation_id)
    assert secret_words.encode() not in stored and b"routing" not in stored
    assert encrypted.load(record.conversation_id).session == record.session
    assert encrypted.list()[0].codec == ("json", "zlib", "aes256gcm")  # listing needs no key

    store.save(sample_record(1, seed=15, conversation_id="plain"))  # a store without a key reads plaintext...
    store.load("plain")
    keyless = reopen(encrypted)
    with pytest.raises(DecryptionError, match="encrypted .* no key is configured"):  # ...but not ciphertext
        keyless.load(record.conversation_id)
    assert read_raw(encrypted, record.conversation_id) == stored  # untouched, still loadable with the key
    assert encrypted.load(record.conversation_id).session == record.session


def test_redis_sliding_expiry_keeps_a_conversation_in_use_alive(redis_server, clock):
    from modules.storage.redis_store import RedisStore

    store = RedisStore(redis_server.url, namespace=f"sliding-{clock():.0f}", sliding_ttl_s=60, clock=clock)
    store.save(sample_record(1, seed=16, conversation_id="in-use"))
    for _ in range(2):
        clock.advance(40, store)
        assert store.load("in-use").expires_at == pytest.approx(clock() + 60)  # each load: 60 s ahead again
        assert 59 < store.ttl_s("in-use") <= 60  # ...and Redis itself was told so
    # 80 s after the save, past the 60 s window: alive only because it was used.
    clock.advance(61, store)  # idle longer than the window
    with pytest.raises(ConversationNotFoundError):
        store.load("in-use")
    with pytest.raises(ConversationNotFoundError):
        store.ttl_s("in-use")
