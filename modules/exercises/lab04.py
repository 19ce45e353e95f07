"""Lab 04 exercises: store, continue, fail safely, and encrypt a conversation in stores of your own.

Every check reads the store again — the record it holds, the bytes in its file, the error it raises — instead of
trusting the object the attendee passes, so a copy or a record that was never saved is told apart from a round trip.
Each challenge names a new file (or an id never saved), so a store or an error the lab made earlier does not pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from agent_framework import AgentSession

from modules.exercises.challenge import Challenge
from modules.exercises.checker import (
    Exercise,
    Wrong,
    expect,
    expect_agent_answered,
    expect_raised_by,
    expect_type,
    kind_of,
    raised_in,
    step,
)
from modules.storage import (
    ConversationNotFoundError,
    ConversationRecord,
    DecryptionError,
    InvalidConversationIdError,
    SqliteStore,
    StorageError,
)

QUESTIONS = ("Give me one sailing tip about {}.", "Name one knot a sailor uses for {}.", "Which wind suits {}?")
PLACES = ("a lake", "the coast", "a river", "the harbour", "a bay", "open water")


def file_challenge(prefix: str) -> Any:
    def make(token: str, namespace: Any) -> dict[str, Any]:
        return {"filename": f"{prefix}-{token}.sqlite3"}

    return make


def continue_challenge(token: str, namespace: Any) -> dict[str, Any]:
    """The file and question, plus the live sessions the namespace holds (the turn must run on none of them)."""
    number = int(token, 16)
    question = QUESTIONS[number % len(QUESTIONS)].format(PLACES[number // 7 % len(PLACES)])
    live = {name: value for name, value in namespace.items() if isinstance(value, AgentSession)}
    return {"filename": f"continue-{token}.sqlite3", "question": f"{question} ({token})", "_live_sessions": live}


def missing_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"missing_id": f"never-saved-{token}"}


def _named(path: Any, filename: str, name: str, fix: str) -> None:
    expect(
        Path(str(path)).name == filename,
        f"`{name}` is the file {Path(str(path)).name!r}, but this run's challenge names {filename!r}: {fix}",
    )


def _was_loaded(record: ConversationRecord, name: str, store_name: str) -> tuple[str, int, float]:
    """Where and at which revision a store's load() returned this record; a record only saved was never loaded."""
    loaded_from = getattr(record, "loaded_from", None)
    expect(
        loaded_from is not None,
        f"`{name}` was never loaded from a store: saving a record stamps its revision, but it is still the object "
        f"you made. Load it back with {store_name}.load(record.conversation_id) and keep what that returns.",
    )
    return loaded_from


def _as_stored(loaded: ConversationRecord, stored: ConversationRecord, name: str, store_name: str) -> None:
    """A record loaded from a store carries the revision and the save time of the copy it was loaded from."""
    location, revision, updated_at = _was_loaded(loaded, name, store_name)
    expect(
        (revision, updated_at) == (loaded.revision, loaded.updated_at),
        f"`{name}` was loaded at revision {revision} and saved again since: load it again from {store_name} after "
        "the last save, and keep what load(...) returns.",
    )
    expect(
        (loaded.revision, loaded.updated_at) == (stored.revision, stored.updated_at),
        f"`{name}` is at revision {loaded.revision} (saved at {loaded.updated_at:.3f}), the copy in {store_name} at "
        f"revision {stored.revision} (saved at {stored.updated_at:.3f}): it was not loaded from {store_name} after "
        f"the last save. Keep what {store_name}.load(...) returns.",
    )


def _unchanged(loaded: ConversationRecord, stored: ConversationRecord, name: str, store_name: str, fix: str) -> None:
    """Every field of a loaded record, not only its session, must still be what the store holds."""
    changed = [f.name for f in fields(stored) if getattr(loaded, f.name) != getattr(stored, f.name)]
    expect(
        not changed,
        f"`{name}` differs from what {store_name} holds in {', '.join(changed)}: it was changed after loading. " + fix,
    )


def _first_text(record: ConversationRecord) -> str:
    return record.session["state"]["in_memory"]["messages"][0]["contents"][0]["text"]


def _messages(record: ConversationRecord) -> list[dict[str, Any]]:
    return record.session.get("state", {}).get("in_memory", {}).get("messages", [])


def _a_store(store: Any, name: str) -> None:
    expect(
        callable(getattr(store, "load", None)) and callable(getattr(store, "save", None)),
        f'`{name}` is {kind_of(store)}, not a store: create it with SqliteStore(WORK / "...").',
    )


def _reload(store: Any, conversation_id: str, name: str, fix: str) -> ConversationRecord:
    """What `store` holds under the id, read through a handle of the checker's own on the same file.

    The attendee's handle may be closed by now (`with SqliteStore(...) as my_store:`); the file is what counts.
    """
    try:
        with _own_handle(store) as own:
            return own.load(conversation_id)
    except ConversationNotFoundError:
        expect(False, f"`{name}` holds no conversation {conversation_id!r}: {fix}")
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _own_handle(store: Any) -> Iterator[Any]:
    """A new SqliteStore on the file (and with the cipher) of the attendee's, closed after; any other store as is."""
    if not isinstance(store, SqliteStore):
        yield store
        return
    with SqliteStore(store.path, cipher=store.cipher) as own:
        yield own


def verify_save_load(my_store: Any, my_loaded: Any, record: ConversationRecord, challenge: Challenge) -> str:
    expect_type(my_store, SqliteStore, "my_store", "Create it with SqliteStore(WORK / challenge.filename).")
    _named(my_store.path, challenge.filename, "my_store", "create it with SqliteStore(WORK / challenge.filename).")
    step("loading the record from your store again")
    stored = _reload(my_store, record.conversation_id, "my_store", "save `record` in it, then load it back.")
    expect_type(my_loaded, ConversationRecord, "my_loaded", "Keep what my_store.load(record.conversation_id) returns.")
    expect(my_loaded is not record, "`my_loaded` is the very object you saved: load it back from `my_store`.")
    expect(
        my_loaded.conversation_id == record.conversation_id,
        f"`my_loaded` is conversation {my_loaded.conversation_id!r}, not {record.conversation_id!r}: load "
        "record.conversation_id from `my_store`.",
    )
    _as_stored(my_loaded, stored, "my_loaded", "my_store")
    expect(
        my_loaded.session == stored.session and my_loaded.routing_metadata == stored.routing_metadata,
        f"`my_loaded` ({my_loaded.message_count} messages) is not what `my_store` holds ({stored.message_count}): "
        "keep what my_store.load(...) returned.",
    )
    expect(
        stored.session == record.session and stored.routing_metadata == record.routing_metadata,
        f"`my_store` holds {stored.message_count} messages, `record` {record.message_count}: save `record` as it "
        "is now, then load it.",
    )
    return f"{my_loaded.message_count} messages and {len(my_loaded.routing_metadata)} routing entries came back intact."


def _not_on_a_live_session(challenge: Challenge) -> None:
    """The turn ran on a session made from the stored copy, not on one the lab (or an earlier cell) still holds."""
    for name, live in (challenge.values.get("_live_sessions") or {}).items():
        messages = live.to_dict().get("state", {}).get("in_memory", {}).get("messages", [])
        asked = [(m.get("contents") or [{}])[0].get("text", "") for m in messages]
        expect(
            challenge.question not in asked,
            f"the turn ran on `{name}`, a session the lab already held, not on the conversation you loaded from "
            "continue_store: turn the loaded record into a session (my_session = my_loaded.to_session()), run the "
            f"turn with session=my_session, then run the lab again from the top (`{name}` now holds your turn).",
        )


def verify_continue(
    my_loaded: Any, my_reloaded: Any, continue_store: Any, record: ConversationRecord, challenge: Challenge
) -> str:
    _a_store(continue_store, "continue_store")
    _named(
        getattr(continue_store, "path", ""),
        challenge.filename,
        "continue_store",
        "run your cell from its first line: it opens SqliteStore(WORK / challenge.filename).",
    )
    step("loading the conversation from continue_store again")
    stored = _reload(continue_store, record.conversation_id, "continue_store", "run the first lines of the cell.")
    before, after = _messages(record), _messages(stored)
    expect(
        len(after) == len(before) + 2 and after[: len(before)] == before,
        f"`continue_store` holds {len(after)} messages, `record` {len(before)}: after the turn, put the session back "
        "(my_loaded.update_session(my_session)) and save my_loaded in continue_store.",
    )
    expect_agent_answered(after, "continue_store", "run the turn with agent.run(..., session=my_session).")
    _not_on_a_live_session(challenge)
    asked = after[-2].get("contents", [{}])[0].get("text", "")
    expect(
        asked == challenge.question,
        f"the turn in `continue_store` asked {asked[:60]!r}, but this run's challenge asks {challenge.question!r}: "
        "run the turn with agent.run(challenge.question, session=my_session, options=SHORT).",
    )
    expect_type(my_loaded, ConversationRecord, "my_loaded", "Keep what continue_store.load(...) returned.")
    _was_loaded(my_loaded, "my_loaded", "continue_store")
    expect(
        my_loaded.session == stored.session,
        f"`my_loaded` holds {my_loaded.message_count} messages, continue_store {stored.message_count}: put the "
        "continued session back into it (my_loaded.update_session(my_session)) and save it in continue_store.",
    )
    expect(
        (my_loaded.revision, my_loaded.updated_at) == (stored.revision, stored.updated_at),
        f"`my_loaded` is at revision {my_loaded.revision}, continue_store at {stored.revision}: save `my_loaded` "
        "itself in continue_store after the turn.",
    )
    expect_type(my_reloaded, ConversationRecord, "my_reloaded", "Load the conversation again after saving it.")
    expect(
        my_reloaded is not my_loaded,
        "`my_reloaded` is `my_loaded`, the record you saved: load the conversation again from continue_store "
        "after saving (my_reloaded = continue_store.load(record.conversation_id)).",
    )
    expect(
        my_reloaded.session == stored.session,
        f"`my_reloaded` holds {my_reloaded.message_count} messages, the store {stored.message_count}: load it again "
        "from continue_store after saving.",
    )
    _as_stored(my_reloaded, stored, "my_reloaded", "continue_store")
    return f"the stored conversation went from {len(before)} to {len(after)} messages, with its whole history."


def verify_typed_error(my_error: Any, still_there: Any, store: Any, conversation_id: str, challenge: Challenge) -> str:
    missing = challenge.missing_id
    expect(
        not isinstance(my_error, InvalidConversationIdError),
        f"the store refused that id before looking ({my_error}): load challenge.missing_id ({missing!r}).",
    )
    expect_type(
        my_error,
        ConversationNotFoundError,
        "my_error",
        "Load challenge.missing_id from sqlite_store, inside try/except StorageError, and keep the error.",
    )
    expect(isinstance(my_error, StorageError), "every storage error is a StorageError: catch that to catch them all.")
    expect_raised_by(my_error, "my_error", "storage", "sqlite_store.load(...)")
    expect(
        my_error.conversation_id == missing,
        f"`my_error` is about {my_error.conversation_id!r}, but this run's challenge names {missing!r}: load "
        "challenge.missing_id from sqlite_store and keep that error.",
    )
    location = getattr(store, "location", None)
    expect(
        location is None or location in str(my_error),
        f"`my_error` was raised by another store ({my_error.cause}): load the unknown id from sqlite_store itself.",
    )
    step(f"loading {missing!r} from sqlite_store")
    try:
        with _own_handle(store) as own:
            own.load(missing)
        expect(False, f"sqlite_store does hold {missing!r}: your cell saved something under it; it must stay unknown.")
    except ConversationNotFoundError:
        pass
    expect_type(still_there, ConversationRecord, "still_there", "Load conversation_id from sqlite_store again.")
    step("loading conversation_id from sqlite_store")
    try:
        with _own_handle(store) as own:
            stored = own.load(conversation_id)
    except ConversationNotFoundError:
        raise Wrong(
            f"sqlite_store no longer holds {conversation_id!r}: something deleted it (the exercise only reads). "
            "Run the lab again from the top, then your cell without deleting anything."
        ) from None
    expect(
        still_there.conversation_id == conversation_id,
        f"`still_there` is conversation {still_there.conversation_id!r}: load `conversation_id` from sqlite_store.",
    )
    expect(
        still_there.session == stored.session,
        f"`still_there` holds {still_there.message_count} messages, sqlite_store {stored.message_count}: keep what "
        "sqlite_store.load(conversation_id) returns after the failed load.",
    )
    _as_stored(still_there, stored, "still_there", "sqlite_store")
    fix = "Keep what sqlite_store.load(conversation_id) returns, as it is: this exercise only reads."
    _unchanged(still_there, stored, "still_there", "sqlite_store", fix)
    return f"{type(my_error).__name__}: {my_error} — and the stored conversation is untouched."


def verify_encryption(
    no_key_error: Any, unlocked: Any, locked_path: Any, record: ConversationRecord, cipher: Any, challenge: Challenge
) -> str:
    expect_type(locked_path, (str, Path), "locked_path", "Keep the store's path: its `.path` attribute.")
    _named(
        locked_path,
        challenge.filename,
        "locked_path",
        "save `record` in SqliteStore(WORK / challenge.filename, cipher=cipher) and keep its `.path`.",
    )
    expect(Path(locked_path).exists(), f"there is no file at {locked_path}: save `record` in the locked store first.")
    raw = b"".join(p.read_bytes() for p in (Path(locked_path), Path(f"{locked_path}-wal")) if p.exists())
    expect(_first_text(record).encode() not in raw, "the first message is readable in the database file: pass cipher=.")
    step("opening the file at locked_path with `cipher`")
    with SqliteStore(locked_path, cipher=cipher) as with_key:
        try:
            stored = _reload(with_key, record.conversation_id, "the file at locked_path", "save `record` in it.")
        except StorageError as error:
            message = f"the file at locked_path does not open with `cipher`: {error} Save it with cipher=cipher."
            raise Wrong(message) from None
    expect_type(
        no_key_error,
        DecryptionError,
        "no_key_error",
        "Load from SqliteStore(locked_path) (no cipher) inside try/except and keep the error.",
    )
    expect_raised_by(no_key_error, "no_key_error", "storage", "SqliteStore(locked_path).load(...)")
    reader = (raised_in(no_key_error, "storage", "_decode") or {}).get("self")
    read_path = getattr(reader, "path", None)
    expect(
        read_path is not None and Path(str(read_path)).resolve() == Path(locked_path).resolve(),
        f"`no_key_error` was raised reading {read_path}, not the file at `locked_path` ({locked_path}): load "
        "record.conversation_id from SqliteStore(locked_path), with no cipher, and keep that error.",
    )
    reader_key = getattr(getattr(reader, "cipher", None), "key_id", None)
    expect(
        getattr(reader, "cipher", None) is None,
        f"`no_key_error` was raised by a store opened with a key (key id {reader_key}): that is the "
        "wrong-key error. Open SqliteStore(locked_path) with no cipher at all, and keep the error it raises.",
    )
    expect(
        f"key id {cipher.key_id}" in str(no_key_error),
        f"`no_key_error` is about a record encrypted with another key ({no_key_error.cause}): read the file at "
        "`locked_path`, the one you saved with `cipher`.",
    )
    expect(
        no_key_error.conversation_id == record.conversation_id,
        f"`no_key_error` is about {no_key_error.conversation_id!r}: load record.conversation_id.",
    )
    expect_type(unlocked, ConversationRecord, "unlocked", "Load with the store that has the cipher.")
    expect(unlocked is not record, "`unlocked` is `record` itself: load it back with the store that has the cipher.")
    expect(
        unlocked.session == stored.session == record.session,
        "`unlocked` is not the conversation the locked file holds: load record.conversation_id with the cipher.",
    )
    _as_stored(unlocked, stored, "unlocked", "the store with the cipher at locked_path")
    fix = "Keep what the store with the cipher returns from load(record.conversation_id), as it is."
    _unchanged(unlocked, stored, "unlocked", "the locked file", fix)
    return "without the key: a typed DecryptionError; with it: the whole conversation; on disk: no readable message."


EXERCISES = [
    Exercise(
        id="04.1",
        title="Save and load in a store of your own",
        level="easy",
        task=(
            "Make `my_store = SqliteStore(WORK / challenge.filename)` (a new file on every run), save `record` in "
            "it, and load it back by its `conversation_id` into `my_loaded`. The check opens your store and "
            "compares."
        ),
        starter=(
            "my_store = ...  # SqliteStore(WORK / challenge.filename)\nmy_loaded = ...  # record, saved and loaded back"
        ),
        check_call='check("04.1", my_store=my_store, my_loaded=my_loaded, record=record)',
        verify=verify_save_load,
        answers=("my_store", "my_loaded"),
        challenge=file_challenge("mine"),
    ),
    Exercise(
        id="04.2",
        title="Continue a stored conversation",
        level="medium",
        task=(
            "The first lines put a copy of `record` in a store of its own. Load it back (`my_loaded`), turn it into "
            "a session (`to_session()`), run one turn on it with the challenge's question, "
            "`await agent.run(challenge.question, session=my_session, options=SHORT)`, put the session back with "
            "`my_loaded.update_session(my_session)`, save it in `continue_store`, and load it again as "
            "`my_reloaded`."
        ),
        starter=(
            "continue_store = SqliteStore(WORK / challenge.filename)  # a new file on every run\n"
            "continue_store.save(record.as_new())  # a copy of the conversation, in a store of its own\n\n"
            "my_loaded = ...\n"
            "my_session = ...\n"
            "# one turn, update my_loaded, save it\n"
            "my_reloaded = ..."
        ),
        check_call=(
            'check("04.2", my_loaded=my_loaded, my_reloaded=my_reloaded, continue_store=continue_store,\n'
            "      record=record)"
        ),
        verify=verify_continue,
        answers=("my_loaded", "my_reloaded"),
        challenge=continue_challenge,
    ),
    Exercise(
        id="04.3",
        title="A typed error, and nothing lost",
        level="medium",
        task=(
            "Load the id the challenge hands out (`challenge.missing_id`, never saved) from `sqlite_store` inside "
            "`try: ... except StorageError as error:` and keep the error in `my_error`; then load `conversation_id` "
            "from it again as `still_there`."
        ),
        starter="my_error = ...  # the error loading challenge.missing_id raises\nstill_there = ...",
        check_call=(
            'check("04.3", my_error=my_error, still_there=still_there, store=sqlite_store,\n'
            "      conversation_id=conversation_id)"
        ),
        verify=verify_typed_error,
        answers=("my_error", "still_there"),
        challenge=missing_challenge,
    ),
    Exercise(
        id="04.4",
        title="Encrypted at rest",
        level="stretch",
        task=(
            "Save `record` in `SqliteStore(WORK / challenge.filename, cipher=cipher)` and keep the file's path in "
            "`locked_path`. Read it with a store that has no cipher and keep the `DecryptionError` in `no_key_error`; "
            "read it with the cipher into `unlocked`. The check reads the file's bytes."
        ),
        starter="locked_path = ...\nno_key_error = ...\nunlocked = ...",
        check_call=(
            'check("04.4", no_key_error=no_key_error, unlocked=unlocked, locked_path=locked_path,\n'
            "      record=record, cipher=cipher)"
        ),
        verify=verify_encryption,
        answers=("locked_path", "no_key_error", "unlocked"),
        challenge=file_challenge("my-locked"),
    ),
]
