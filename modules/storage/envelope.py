"""The versioned byte format every backend stores: a JSON header line, then the body.

    {"format":"hybrid-router-conversation","version":2,"conversation_id":"...","user_id":"ana",
     "tags":[...],"created_at":...,"updated_at":...,"expires_at":null,"revision":3,
     "codec":["json","zlib","aes256gcm"],"key_id":"1a2b3c4d","body_bytes":5120}
    <body: {"session": AgentSession.to_dict(), "routing_metadata": [...]} as JSON, then zlib-compressed
     if larger than `compress_above`, then AES-GCM-encrypted if a cipher is given>

Why a separate header: stores can list, filter and expire conversations from the header
alone (without the key), and `decode` can tell a truncated, foreign, newer-version or
wrong-key record apart and say so. When encrypted, the header is authenticated too. `revision` counts
the stored copy's saves (`modules.storage.revision` uses it to detect concurrent writers).

With a cipher given, only encrypted (hence authenticated) records are read: a plaintext record of any
version is refused with `PlaintextRecordError` unless `allow_plaintext_migration=True` says that reading
plaintext written before encryption was switched on is intended.

`decode` also reads older formats and upgrades them in memory:
- version 1 (one JSON document, ISO timestamps, routing under "routing") via `MIGRATIONS`;
- the original guide's `persist_to_storage()` export ({session_id, thread_state, messages, routing_metadata, ...}).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from agent_framework import AgentSession, Message
from cryptography.exceptions import InvalidTag

from modules.storage.cipher import Cipher
from modules.storage.errors import (
    CorruptRecordError,
    DecryptionError,
    PlaintextRecordError,
    StorageError,
    UnsupportedVersionError,
)
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.timeutil import epoch_from_iso as _epoch  # naive text = local time, as the guide's datetime.now() wrote

FORMAT_NAME = "hybrid-router-conversation"
FORMAT_VERSION = 2
# Below ~4 KB zlib saves little and costs a header; conversations past a few turns compress 2-4x.
DEFAULT_COMPRESS_ABOVE = 4096
_INDEX_FIELDS = ("user_id", "tags", "created_at", "updated_at", "expires_at")
_REMEDY_CORRUPT = "Restore it from a backup, or delete it and start a new conversation."


def encode(
    record: ConversationRecord, *, compress_above: int | None = DEFAULT_COMPRESS_ABOVE, cipher: Cipher | None = None
) -> bytes:
    """The record as envelope bytes (current FORMAT_VERSION). `compress_above=None` never compresses.

    Args:
        record: The record to encode.
        compress_above: Compress bodies larger than this many bytes; None never compresses.
        cipher: Encrypts the body, bound to the conversation id; None leaves it plaintext.

    Returns:
        A JSON header line, then the body.

    Raises:
        InvalidConversationIdError: The record's id is not a safe id.
    """
    validate_conversation_id(record.conversation_id)
    body = _json_bytes({"session": record.session, "routing_metadata": record.routing_metadata})
    codec = ["json"]
    if compress_above is not None and len(body) > compress_above:
        body = zlib.compress(body, 6)
        codec.append("zlib")
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "conversation_id": record.conversation_id,
        "user_id": record.user_id,
        "tags": list(record.tags),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "expires_at": record.expires_at,
        "revision": record.revision,
        "codec": codec,
    }
    if cipher is None:
        header["body_bytes"] = len(body)
        return _json_bytes(header) + b"\n" + body
    codec.append(cipher.name)
    header["key_id"] = cipher.key_id
    header["body_bytes"] = len(body) + _GCM_OVERHEAD
    header_line = _json_bytes(header)
    return header_line + b"\n" + cipher.encrypt(body, associated_data=header_line)


def decode(
    conversation_id: str, data: bytes, *, cipher: Cipher | None = None, allow_plaintext_migration: bool = False
) -> ConversationRecord:
    """Envelope bytes (any supported version, or an original-guide export) back to a record; typed errors otherwise.

    Args:
        conversation_id: the id the bytes are stored under (an enveloped record must name the same id).
        data: the stored bytes.
        cipher: the configured key; with one, plaintext records are refused (they cannot be authenticated).
        allow_plaintext_migration: with a cipher, read plaintext records anyway (a one-off migration step).

    Returns:
        The record, migrated to the current version in memory; `revision` is the stored copy's.

    Raises:
        CorruptRecordError, UnsupportedVersionError, DecryptionError, PlaintextRecordError: each names the fix.
    """
    validate_conversation_id(conversation_id)
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise CorruptRecordError(conversation_id, "the stored record is empty.", _REMEDY_CORRUPT)
    data = bytes(data)
    header_line, _, body = data.partition(b"\n")
    header = _json_or_none(header_line)
    if isinstance(header, dict) and header.get("format") == FORMAT_NAME:
        codec = header.get("codec")
        if not (isinstance(codec, list) and Cipher.name in codec):
            _refuse_plaintext(
                conversation_id, cipher, allow_plaintext_migration, f"version {header.get('version')!r:.20}"
            )
        return _decode_envelope(conversation_id, header, header_line, body, cipher)
    document = _json_or_none(data)
    if isinstance(document, dict) and "version" in document and "session" in document:
        _refuse_plaintext(conversation_id, cipher, allow_plaintext_migration, f"version {document['version']!r:.20}")
        with _damage_reported(conversation_id, "the older-format record"):
            migrated = migrate(conversation_id, document)
        return _record_from_document(conversation_id, migrated)
    if isinstance(document, dict) and is_seed_export(document):
        _refuse_plaintext(conversation_id, cipher, allow_plaintext_migration, "the original guide's export")
        with _damage_reported(conversation_id, "the original guide's export"):
            imported = from_guide_export(document, conversation_id=conversation_id)
        imported.revision = 1  # it is stored, so a never-stored record cannot silently replace it
        return imported
    raise CorruptRecordError(
        conversation_id,
        "the stored bytes are not a conversation record (no readable header; "
        "truncated, overwritten, or not written by this course).",
        _REMEDY_CORRUPT,
    )


def _refuse_plaintext(conversation_id: str, cipher: Cipher | None, allowed: bool, what: str) -> None:
    if cipher is None or allowed:
        return
    raise PlaintextRecordError(
        conversation_id,
        f"a key is configured (key id {cipher.key_id}), but the stored record ({what}) is not encrypted, so it "
        "cannot be authenticated and was refused.",
        "If it was written before encryption was switched on, migrate it once: open the store with "
        "allow_plaintext_migration=True, load and save it (it is then stored encrypted), and reopen the store "
        "without the flag. Otherwise treat it as planted and delete it. It was left in place.",
    )


def read_summary(conversation_id: str, data: bytes) -> ConversationSummary:
    """The index card of a stored record, from its header only (no key needed).

    Args:
        conversation_id: The id the record is stored under.
        data: The stored bytes.

    Returns:
        The record's summary.

    Raises:
        CorruptRecordError, UnsupportedVersionError: The bytes are not a record this code can read; each names the
            fix.
    """
    header = _json_or_none(data.partition(b"\n")[0])
    if not (isinstance(header, dict) and header.get("format") == FORMAT_NAME):
        # Older formats have no header: decode (and migrate) to index them.
        # The original guide's export had no version: 0.
        record = decode(conversation_id, data)
        version = (_json_or_none(data) or {}).get("version", 0)
        header = {"version": version, "codec": ["json"], **{name: getattr(record, name) for name in _INDEX_FIELDS}}
    try:
        return ConversationSummary(
            conversation_id,
            header["user_id"],
            tuple(header["tags"]),
            float(header["created_at"]),
            float(header["updated_at"]),
            header["expires_at"],
            int(header["version"]),
            tuple(header["codec"]),
            len(data),
        )
    except (KeyError, TypeError, ValueError):
        raise CorruptRecordError(conversation_id, "the record header is incomplete.", _REMEDY_CORRUPT) from None


# ---- decoding the current version --------------------------------------------------------------

_GCM_OVERHEAD = 12 + 16  # nonce + tag


def _decode_envelope(
    conversation_id: str, header: dict[str, Any], header_line: bytes, body: bytes, cipher: Cipher | None
) -> ConversationRecord:
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise UnsupportedVersionError(
            conversation_id,
            f"the record is format version {version!r}; this code reads versions up to {FORMAT_VERSION}.",
            "Upgrade the course package (pip install -r requirements.txt) to read it; the record was left untouched.",
        )
    if version < FORMAT_VERSION:  # a future v3 would migrate here; v2 is the first enveloped version
        raise UnsupportedVersionError(
            conversation_id, f"enveloped format version {version} does not exist.", _REMEDY_CORRUPT
        )
    if header.get("conversation_id") != conversation_id:
        raise CorruptRecordError(
            conversation_id,
            f"the stored record belongs to conversation {header.get('conversation_id')!r:.80}, not this one "
            "(a file or key was copied or renamed).",
            "Store it under its own id, or delete it.",
        )
    if header.get("body_bytes") != len(body):
        raise CorruptRecordError(
            conversation_id,
            f"the record is truncated or padded: its header announces {header.get('body_bytes')} body bytes, "
            f"{len(body)} are stored (an interrupted copy or disk fault).",
            _REMEDY_CORRUPT,
        )
    codec = header.get("codec")
    if not isinstance(codec, list) or not codec or codec[0] != "json" or not set(codec[1:]) <= {"zlib", Cipher.name}:
        raise UnsupportedVersionError(
            conversation_id,
            f"unknown codec {codec!r:.80}.",
            "Upgrade the course package to read it; the record was left untouched.",
        )
    for step in reversed(codec[1:]):
        body = (
            _decrypt(conversation_id, header, header_line, body, cipher)
            if step == Cipher.name
            else _decompress(conversation_id, body)
        )
    return _record_from_document(conversation_id, {**header, **_json_body(conversation_id, body)})


def _decrypt(
    conversation_id: str, header: dict[str, Any], header_line: bytes, body: bytes, cipher: Cipher | None
) -> bytes:
    key_id = header.get("key_id")
    if cipher is None:
        raise DecryptionError(
            conversation_id,
            f"the record is encrypted (key id {key_id}) and no key is configured.",
            "Set CONVERSATION_ENCRYPTION_KEY to the key it was saved with and create the store with "
            "cipher=Cipher.from_env().",
        )
    if key_id != cipher.key_id:
        raise DecryptionError(
            conversation_id,
            f"the record was encrypted with key id {key_id}, but the configured key has id {cipher.key_id}.",
            "Set CONVERSATION_ENCRYPTION_KEY to the key it was saved with; the record was left untouched.",
        )
    try:
        return cipher.decrypt(body, associated_data=header_line)
    except InvalidTag:
        raise CorruptRecordError(
            conversation_id,
            "the encrypted record failed authentication: it was altered or truncated after it was written.",
            _REMEDY_CORRUPT,
        ) from None


def _decompress(conversation_id: str, body: bytes) -> bytes:
    try:
        return zlib.decompress(body)
    except zlib.error as error:
        raise CorruptRecordError(
            conversation_id, f"the compressed body is damaged ({error}).", _REMEDY_CORRUPT
        ) from None


def _json_body(conversation_id: str, body: bytes) -> dict[str, Any]:
    document = _json_or_none(body)
    if not isinstance(document, dict):
        raise CorruptRecordError(
            conversation_id, "the record body is not valid JSON (damaged or truncated).", _REMEDY_CORRUPT
        )
    return document


def _record_from_document(conversation_id: str, document: dict[str, Any]) -> ConversationRecord:
    session = document.get("session")
    if not (isinstance(session, dict) and isinstance(session.get("session_id"), str)):
        raise CorruptRecordError(
            conversation_id,
            "the record holds no serialized AgentSession (missing 'session.session_id').",
            _REMEDY_CORRUPT,
        )
    routing_metadata = document.get("routing_metadata") or []
    tags = document.get("tags") or []
    user_id = document.get("user_id")
    revision = document.get("revision", 1)
    shape_errors = [
        name
        for name, ok in (
            ("routing_metadata (a list of objects)", _is_list_of(routing_metadata, dict)),
            ("tags (a list of strings)", _is_list_of(tags, str)),
            ("user_id (a string or null)", user_id is None or isinstance(user_id, str)),
            ("revision (a whole number)", isinstance(revision, int) and not isinstance(revision, bool)),
            ("session.state (an object)", isinstance(session.get("state", {}), dict)),
        )
        if not ok
    ]
    if shape_errors:
        raise CorruptRecordError(
            conversation_id, f"the record has fields of the wrong shape: {', '.join(shape_errors)}.", _REMEDY_CORRUPT
        )
    created_at, updated_at = _finite(document.get("created_at")), _finite(document.get("updated_at"))
    expires_at = None if document.get("expires_at") is None else _finite(document.get("expires_at"))
    if created_at is None or updated_at is None or (document.get("expires_at") is not None and expires_at is None):
        raise CorruptRecordError(
            conversation_id, "the record's timestamps are missing or not finite numbers.", _REMEDY_CORRUPT
        )
    return ConversationRecord(
        conversation_id=conversation_id,
        session=session,
        user_id=user_id,
        routing_metadata=list(routing_metadata),
        tags=list(tags),
        created_at=created_at,
        updated_at=updated_at,
        expires_at=expires_at,
        revision=max(revision, 1),  # stored bytes exist, so they are at least revision 1
    )


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


# ---- older versions ------------------------------------------------------------------------------


def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    """v1 (the course's first format): one JSON document, ISO-8601 timestamps, routing metadata under
    "routing", no tags or expiry. v2 moved the index fields into a header and uses epoch seconds."""
    created = _epoch(document.get("created_at") or document.get("saved_at")) or 0.0
    return {
        "version": 2,
        "conversation_id": document.get("conversation_id"),
        "user_id": document.get("user_id"),
        "session": document.get("session"),
        "routing_metadata": list(document.get("routing") or []),
        "tags": [],
        "created_at": created,
        "updated_at": _epoch(document.get("saved_at")) or created,
        "expires_at": None,
    }


# version N -> function producing version N+1; add one entry per format change.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(conversation_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """Upgrade an unenveloped document step by step to FORMAT_VERSION."""
    version = document.get("version")
    while version != FORMAT_VERSION:
        step = MIGRATIONS.get(version) if isinstance(version, int) else None
        if step is None:
            raise UnsupportedVersionError(
                conversation_id,
                f"no migration from format version {version!r:.40} (known: {sorted(MIGRATIONS)} -> {FORMAT_VERSION}).",
                "Upgrade the course package; the record was left untouched.",
            )
        document = step(document)
        version = document["version"]
    return document


def is_seed_export(document: dict[str, Any]) -> bool:
    """the original guide's `persist_to_storage()` JSON: a session id and routing metadata, no version."""
    return (
        "version" not in document
        and isinstance(document.get("session_id"), str)
        and isinstance(document.get("routing_metadata"), list)
    )


def from_guide_export(document: dict[str, Any], *, conversation_id: str | None = None) -> ConversationRecord:
    """Import the original guide's `HybridAgentContextManager.persist_to_storage()` export.

    The original guide kept history twice: OpenAI-format `messages` for every exchange, and an old
    `AgentThread.serialize()` (`thread_state`) for agent exchanges only. `messages` is the
    complete one, so it becomes the session's in-memory history (the thread state is the
    fallback when `messages` is absent). The old service thread id is kept for reference in
    `state["guide_import"]` but not made the session's `service_session_id`: today's clients
    cannot resume an old agent thread, and one client-side history is what both router tiers see.

    Args:
        document: The guide's exported JSON, parsed.
        conversation_id: The id to store it under; the export's `session_id` when None.

    Returns:
        A record in today's format (revision 0: not stored yet).

    Raises:
        InvalidConversationIdError: Neither `conversation_id` nor the export's `session_id` is a safe id.
    """
    conversation_id = validate_conversation_id(conversation_id or document.get("session_id"))
    thread_state = document.get("thread_state") or {}
    openai_messages = document.get("messages") or []
    old_thread_messages = (thread_state.get("chat_message_store_state") or {}).get("messages") or []
    messages = [_message_from_openai(m) for m in openai_messages] or [
        _message_from_old_chat_message(m) for m in old_thread_messages
    ]
    session = AgentSession(session_id=conversation_id)
    if messages:
        session.state["in_memory"] = {"messages": messages}
    if thread_state.get("service_thread_id"):
        session.state["guide_import"] = {"service_thread_id": thread_state["service_thread_id"]}
    created = _epoch(document.get("created_at")) or 0.0
    return ConversationRecord(
        conversation_id=conversation_id,
        session=session.to_dict(),
        user_id=document.get("user_id"),
        routing_metadata=[_routing_from_seed(entry) for entry in document["routing_metadata"]],
        tags=["imported-from-guide"],
        created_at=created,
        updated_at=_epoch(document.get("last_updated")) or created,
    )


def _message_from_openai(message: dict[str, Any]) -> Message:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return Message(message.get("role", "user"), [str(content)])


def _message_from_old_chat_message(message: dict[str, Any]) -> Message:
    role = message.get("role")
    role = (
        role.get("value") if isinstance(role, dict) else role
    )  # old Role objects serialized as {"type": "role", "value": ...}
    texts = [
        c.get("text", "") for c in message.get("contents") or [] if isinstance(c, dict) and c.get("type") == "text"
    ]
    return Message(role or "user", ["".join(texts)])


def _routing_from_seed(entry: dict[str, Any]) -> dict[str, Any]:
    source = entry.get("source", "unknown")
    return {
        "turn": entry.get("exchange_id"),
        "at": _epoch(entry.get("timestamp")),
        "tier": "local" if source == "local" else "cloud",
        "source": source,
        "latency_s": entry.get("response_time"),
        "model_switch": entry.get("model_switch", False),
        "details": entry.get("metadata") or {},
    }


# ---- small helpers -------------------------------------------------------------------------------


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


@contextmanager
def _damage_reported(conversation_id: str, what: str) -> Iterator[None]:
    """Turn a built-in error from reading an older or foreign format into a typed CorruptRecordError."""
    try:
        yield
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as error:
        if isinstance(error, StorageError):
            raise
        raise CorruptRecordError(
            conversation_id,
            f"{what} is damaged ({type(error).__name__}: a field has the wrong shape).",
            _REMEDY_CORRUPT,
        ) from None
