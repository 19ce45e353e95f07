"""The envelope: versions, migration, the original guide's export format, compression, encryption, damage."""

from __future__ import annotations

import json
import pickle

import pytest
from storage_support import PROJECT_ROOT, fixed_cipher

from modules.labkit.sample import sample_record
from modules.storage import (
    FORMAT_VERSION,
    MIGRATIONS,
    Cipher,
    CorruptRecordError,
    DecryptionError,
    EncryptionKeyError,
    StorageError,
    UnsupportedVersionError,
    decode,
    encode,
    from_guide_export,
    read_summary,
)

SAMPLES = PROJECT_ROOT / "data" / "conversations"
V1_DOCUMENT = json.loads((SAMPLES / "v1_conv-v1.json").read_text())  # the course's first format (v1)
# the original guide's persist_to_storage() export
GUIDE_EXPORT_JSON = json.loads((SAMPLES / "guide_export_session_123.json").read_text())


def _texts(record):
    return [m["contents"][0]["text"] for m in record.session["state"]["in_memory"]["messages"]]


# ---- the current version ---------------------------------------------------------------------------


def test_envelope_is_a_readable_header_line_then_the_body():
    record = sample_record(1, seed=1)
    data = encode(record)
    header_line, _, body = data.partition(b"\n")
    header = json.loads(header_line)
    assert header["format"] == "hybrid-router-conversation" and header["version"] == 2 == FORMAT_VERSION
    assert header["conversation_id"] == record.conversation_id and header["codec"] == ["json"]
    assert header["body_bytes"] == len(body) and json.loads(body)["session"] == record.session
    assert decode(record.conversation_id, data).session == record.session


def test_large_records_are_compressed_small_ones_not():
    small, large = sample_record(1, seed=1), sample_record(100, seed=1)
    assert read_summary(small.conversation_id, encode(small)).codec == ("json",)
    plain, packed = encode(large, compress_above=None), encode(large)
    assert read_summary(large.conversation_id, packed).codec == ("json", "zlib")
    assert len(packed) < len(plain) / 2
    assert decode(large.conversation_id, packed).session == large.session


def test_unknown_newer_version_is_refused_with_upgrade_advice():
    record = sample_record(1, seed=1)
    header_line, _, body = encode(record).partition(b"\n")
    header = json.loads(header_line) | {"version": 3}
    with pytest.raises(UnsupportedVersionError, match="version 3.*up to 2.*Upgrade"):
        decode(record.conversation_id, json.dumps(header).encode() + b"\n" + body)


def test_a_record_under_the_wrong_id_is_detected():
    data = encode(sample_record(1, seed=1, conversation_id="original"))
    with pytest.raises(CorruptRecordError, match="'copy'.*belongs to conversation 'original'"):
        decode("copy", data)


# ---- migration and the original guide's format --------------------------------------------------------------------


def test_v1_records_migrate_to_v2_on_load():
    assert 1 in MIGRATIONS
    record = decode("conv-v1", json.dumps(V1_DOCUMENT, indent=2).encode())
    assert record.user_id == "ana" and record.tags == [] and record.expires_at is None
    assert record.routing_metadata == V1_DOCUMENT["routing"]
    assert record.created_at == 1764842400.0 and record.updated_at == 1764842700.0  # ISO -> epoch seconds
    assert [m.text for m in record.to_session().state["in_memory"]["messages"]] == ["Hello!", "Hi there!"]
    assert json.loads(encode(record).partition(b"\n")[0])["version"] == 2  # saving writes the new format


def test_unknown_old_version_is_refused():
    with pytest.raises(UnsupportedVersionError, match="no migration from format version 0"):
        decode("conv-v0", json.dumps(V1_DOCUMENT | {"version": 0}).encode())


def test_seed_export_becomes_a_current_record():
    record = decode("session_123", json.dumps(GUIDE_EXPORT_JSON).encode())
    assert _texts(record) == ["Hello!", "Hi there!", "Analyze complex data", "Here is the analysis."]
    session = record.to_session()
    assert session.session_id == "session_123" and session.service_session_id is None  # one client-side history
    assert session.state["guide_import"] == {"service_thread_id": "thread_abc"}  # the old id, kept for reference
    assert [(r["turn"], r["tier"], r["source"], r["latency_s"]) for r in record.routing_metadata] == [
        (1, "local", "local", 0.08),
        (2, "cloud", "foundry", 2.4),
    ]
    assert record.routing_metadata[1]["details"] == {"complexity": "high"} and record.tags == ["imported-from-guide"]
    assert decode("session_123", encode(record)).session == record.session  # and it round-trips in v2


def test_seed_export_without_openai_messages_falls_back_to_the_old_thread_state():
    record = from_guide_export({**GUIDE_EXPORT_JSON, "messages": []})
    assert _texts(record) == ["Analyze complex data", "Here is the analysis."]
    assert [m.role for m in record.to_session().state["in_memory"]["messages"]] == ["user", "assistant"]


# ---- encryption -----------------------------------------------------------------------------------


def test_encrypted_records_round_trip_and_hide_the_content():
    record, cipher = sample_record(3, seed=2), fixed_cipher()
    data = encode(record, cipher=cipher)
    header = read_summary(record.conversation_id, data)
    assert header.codec == ("json", "aes256gcm") and header.user_id == "ana"  # index fields stay readable
    first_text = _texts(record)[0][:30].encode()
    assert first_text not in data and first_text in encode(record)
    assert encode(record, cipher=cipher) != data  # a fresh nonce every time
    assert decode(record.conversation_id, data, cipher=cipher).session == record.session


def test_wrong_or_missing_key_is_a_clear_decryption_error_that_never_shows_a_key():
    record = sample_record(3, seed=2)
    right_key, wrong_key = Cipher.generate_key(), Cipher.generate_key()
    data = encode(record, cipher=Cipher.from_text(right_key))
    with pytest.raises(DecryptionError) as wrong:
        decode(record.conversation_id, data, cipher=Cipher.from_text(wrong_key))
    message = str(wrong.value)
    assert record.conversation_id in message and "key id" in message and "CONVERSATION_ENCRYPTION_KEY" in message
    assert right_key not in message and wrong_key not in message and wrong.value.__cause__ is None
    with pytest.raises(DecryptionError, match="no key is configured"):
        decode(record.conversation_id, data)


@pytest.mark.parametrize("where", ["body", "header", "nonce"])
def test_tampering_with_an_encrypted_record_is_detected(where):
    record, cipher = sample_record(3, seed=2), fixed_cipher()
    data = bytearray(encode(record, cipher=cipher))
    newline = data.index(b"\n")
    if where == "header":  # move the record to another user without the key: authenticated, so refused
        data = bytearray(bytes(data).replace(b'"user_id":"ana"', b'"user_id":"eve"'))
    else:
        data[newline + (3 if where == "nonce" else 40)] ^= 0x01
    with pytest.raises(CorruptRecordError, match="failed authentication"):
        decode(record.conversation_id, bytes(data), cipher=cipher)


@pytest.mark.parametrize("codec", ["plain", "compressed", "encrypted"])
def test_truncation_is_detected_for_every_codec(codec):
    record = sample_record(100, seed=3)
    options = {"plain": {"compress_above": None}, "compressed": {}, "encrypted": {"cipher": fixed_cipher()}}[codec]
    data = encode(record, **options)
    with pytest.raises(CorruptRecordError, match="truncated"):
        decode(record.conversation_id, data[: len(data) // 2], cipher=options.get("cipher"))


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01garbage", b"{not json", b'{"format":"hybrid-router-conversation"', b"[1,2,3]"]
)
def test_garbage_is_a_corrupt_record_error(data):
    with pytest.raises(CorruptRecordError, match="'conv-1'"):
        decode("conv-1", data)


def test_damaged_compressed_body_is_a_corrupt_record_error():
    record = sample_record(100, seed=3)
    header_line, _, body = encode(record).partition(b"\n")
    damaged = body[:10] + bytes(b ^ 0xFF for b in body[10:20]) + body[20:]
    with pytest.raises(CorruptRecordError, match="compressed body is damaged|not valid JSON"):
        decode(record.conversation_id, header_line + b"\n" + damaged)


# ---- the key itself --------------------------------------------------------------------------------


def test_key_comes_from_the_environment_and_is_never_revealed():
    key = Cipher.generate_key()
    assert Cipher.from_env({}) is None and Cipher.from_env({"CONVERSATION_ENCRYPTION_KEY": "  "}) is None
    cipher = Cipher.from_env({"CONVERSATION_ENCRYPTION_KEY": key})
    assert key not in repr(cipher) and key not in str(vars(cipher))
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(cipher)
    with pytest.raises(EncryptionKeyError) as malformed:
        Cipher.from_env({"CONVERSATION_ENCRYPTION_KEY": "hunter2-not-a-key"})
    assert "hunter2" not in str(malformed.value) and "generate_key" in str(malformed.value)
    assert isinstance(malformed.value, StorageError)


def test_record_repr_does_not_dump_the_conversation():
    record = sample_record(5, seed=4)
    assert _texts(record)[0][:20] not in repr(record) and "messages=10" in repr(record)


def test_old_files_dropped_into_a_file_store_are_listed_loaded_and_rewritten_as_v2(tmp_path):
    from modules.storage import FileStore

    store = FileStore(tmp_path)
    store.path_of("conv-v1").write_text(json.dumps(V1_DOCUMENT))
    store.path_of("session_123").write_text(json.dumps(GUIDE_EXPORT_JSON))
    assert {(s.conversation_id, s.version) for s in store.list()} == {
        ("conv-v1", 1),
        ("session_123", 0),
    }  # the original guide's export: no version
    for conversation_id in ("conv-v1", "session_123"):
        store.save(store.load(conversation_id))
    assert {s.version for s in store.list()} == {2}


def test_cipher_reads_the_environment_it_is_given_and_no_file(tmp_path, monkeypatch):
    from modules.config import course_environment

    key = Cipher.generate_key()
    env_file = tmp_path / ".env"
    env_file.write_text(f"CONVERSATION_ENCRYPTION_KEY={key}\n")
    monkeypatch.delenv("CONVERSATION_ENCRYPTION_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Cipher.from_env() is None  # storage reads no .env of its own...
    assert Cipher.from_env(course_environment(env_file)).key_id == Cipher.from_text(key).key_id  # ...config does
    monkeypatch.setenv("CONVERSATION_ENCRYPTION_KEY", key)
    assert Cipher.from_env().key_id == Cipher.from_text(key).key_id
