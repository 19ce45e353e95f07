"""Lab 04 exercises: store, continue, fail safely, and encrypt a conversation in a store of your own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modules.exercises.checker import Exercise, expect, expect_type
from modules.storage import (
    ConversationNotFoundError,
    ConversationRecord,
    DecryptionError,
    StorageError,
)


def _first_text(record: ConversationRecord) -> str:
    return record.session["state"]["in_memory"]["messages"][0]["contents"][0]["text"]


def verify_save_load(my_loaded: Any, record: ConversationRecord) -> str:
    expect_type(my_loaded, ConversationRecord, "my_loaded", "Keep what my_store.load(record.conversation_id) returns.")
    expect(my_loaded is not record, "`my_loaded` is the very object you saved: load it back from the store.")
    expect(my_loaded.conversation_id == record.conversation_id, "`my_loaded` is another conversation.")
    expect(my_loaded.session == record.session, "the loaded session differs from the saved one: save `record` first.")
    expect(
        my_loaded.routing_metadata == record.routing_metadata,
        "the routing metadata did not come back with the session.",
    )
    return f"{my_loaded.message_count} messages and {len(my_loaded.routing_metadata)} routing entries came back intact."


def verify_continue(my_reloaded: Any, record: ConversationRecord) -> str:
    expect_type(my_reloaded, ConversationRecord, "my_reloaded", "Load the conversation again after saving it.")
    expect(my_reloaded.conversation_id == record.conversation_id, "`my_reloaded` is another conversation.")
    expected = record.message_count + 2
    expect(
        my_reloaded.message_count == expected,
        f"the store holds {my_reloaded.message_count} messages, expected {expected}: run one turn with "
        "session=my_session, then my_loaded.update_session(my_session) and my_store.save(my_loaded).",
    )
    return f"the stored conversation went from {record.message_count} to {expected} messages, with its history."


def verify_typed_error(my_error: Any, still_there: Any, record: ConversationRecord) -> str:
    expect_type(
        my_error,
        ConversationNotFoundError,
        "my_error",
        "Load an id you never saved, inside try/except, and keep the error.",
    )
    expect(isinstance(my_error, StorageError), "every storage error is a StorageError: catch that to catch them all.")
    expect_type(still_there, ConversationRecord, "still_there", "Load record.conversation_id from my_store again.")
    expect(still_there.conversation_id == record.conversation_id, "`still_there` is another conversation.")
    expect(still_there.message_count >= record.message_count, "the stored conversation lost messages.")
    return f"{type(my_error).__name__}: {my_error} — and the stored conversation is untouched."


def verify_encryption(no_key_error: Any, unlocked: Any, locked_path: Any, record: ConversationRecord) -> str:
    expect_type(
        no_key_error,
        DecryptionError,
        "no_key_error",
        "Load from SqliteStore(locked_path) (no cipher) and keep the error.",
    )
    expect_type(unlocked, ConversationRecord, "unlocked", "Load with the store that has the cipher.")
    expect(unlocked.session == record.session, "`unlocked` is not the conversation you saved.")
    raw = b"".join(p.read_bytes() for p in (Path(locked_path), Path(f"{locked_path}-wal")) if p.exists())
    expect(_first_text(record).encode() not in raw, "the first message is readable in the database file: pass cipher=.")
    return "without the key: a typed DecryptionError; with it: the whole conversation; on disk: no readable message."


EXERCISES = [
    Exercise(
        id="04.1",
        title="Save and load in a store of your own",
        level="easy",
        task=(
            'Make `my_store = SqliteStore(WORK / "mine.sqlite3")`, save `record` in it, and load it back by its '
            "`conversation_id` into `my_loaded`."
        ),
        starter="my_store = ...  # a SqliteStore of your own\nmy_loaded = ...  # record, saved and loaded back",
        check_call='check("04.1", my_loaded=my_loaded, record=record)',
        verify=verify_save_load,
        answers=("my_loaded",),
    ),
    Exercise(
        id="04.2",
        title="Continue a stored conversation",
        level="medium",
        task=(
            "Turn `my_loaded` into a session (`to_session()`), run one turn on it with "
            '`await agent.run("…", session=my_session, options=SHORT)`, put the session back with '
            "`my_loaded.update_session(my_session)`, save, and load it again as `my_reloaded`."
        ),
        starter="my_session = ...\n# one turn, update the record, save\nmy_reloaded = ...",
        check_call='check("04.2", my_reloaded=my_reloaded, record=record)',
        verify=verify_continue,
        answers=("my_reloaded",),
    ),
    Exercise(
        id="04.3",
        title="A typed error, and nothing lost",
        level="medium",
        task=(
            "Load an id you never saved from `my_store` inside `try: ... except StorageError as error:` and keep the "
            "error in `my_error`; then load `record.conversation_id` again as `still_there`."
        ),
        starter="my_error = ...  # the error loading an unknown id raises\nstill_there = ...",
        check_call='check("04.3", my_error=my_error, still_there=still_there, record=record)',
        verify=verify_typed_error,
        answers=("my_error", "still_there"),
    ),
    Exercise(
        id="04.4",
        title="Encrypted at rest",
        level="stretch",
        task=(
            'Save `record` in `SqliteStore(WORK / "my-locked.sqlite3", cipher=cipher)` and keep the file\'s path in '
            "`locked_path`. Read it with a store that has no cipher and keep the `DecryptionError` in `no_key_error`; "
            "read it with the cipher into `unlocked`."
        ),
        starter="locked_path = ...\nno_key_error = ...\nunlocked = ...",
        check_call=(
            'check("04.4", no_key_error=no_key_error, unlocked=unlocked, locked_path=locked_path,\n      record=record)'
        ),
        verify=verify_encryption,
        answers=("locked_path", "no_key_error", "unlocked"),
    ),
]
