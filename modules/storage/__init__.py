"""Conversation storage: one interface over files, SQLite and Redis, with a versioned envelope.

    from modules.storage import ConversationRecord, SqliteStore
    store = SqliteStore("var/conversations.sqlite3")          # or FileStore(dir), RedisStore(url)
    store.save(ConversationRecord.from_session(session, user_id="ana"))
    session = store.load(session.session_id).to_session()     # then agent.run(..., session=session)

Modules: `record` (what is stored), `envelope` (bytes: versions, migration, compression,
encryption), `cipher` (AES-GCM key from CONVERSATION_ENCRYPTION_KEY), `store` (the common
interface and its `StoreOptions`), `revision` (optimistic concurrency, tombstones), `atomic_file` (locked,
atomic file replacement), `file_store` (`FileStore`, and `OneFileStore`: what a file path means) /
`sqlite_store` / `redis_store` (backends), `journal` (`ExchangeJournal`: append-only hybrid exchanges),
`history` (append-only per-message history providers), `errors` (typed errors). See docs/storage.md.
"""

from modules.storage.cipher import ENCRYPTION_KEY_ENV, Cipher
from modules.storage.envelope import (
    DEFAULT_COMPRESS_ABOVE,
    FORMAT_VERSION,
    MIGRATIONS,
    decode,
    encode,
    from_guide_export,
    read_summary,
)
from modules.storage.errors import (
    ConversationConflictError,
    ConversationErasedError,
    ConversationNotFoundError,
    CorruptHistoryError,
    CorruptRecordError,
    DecryptionError,
    EncryptionKeyError,
    ExchangeCountError,
    InvalidConversationIdError,
    PlaintextRecordError,
    StorageError,
    StorageUnavailableError,
    StoreOptionError,
    UnsupportedVersionError,
)
from modules.storage.file_store import FileStore, OneFileStore
from modules.storage.history import SqliteHistoryProvider, redis_history_provider
from modules.storage.journal import Appended, ExchangeJournal
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import DEFAULT_TOMBSTONE_TTL_S, Tombstone, check_revision, stored_revision
from modules.storage.sqlite_db import SqliteDatabase
from modules.storage.sqlite_store import SqliteStore
from modules.storage.store import ConversationStore, StoreOptions


def __getattr__(name: str) -> object:
    # RedisStore imports the redis client library; load it only when asked for.
    if name == "RedisStore":
        from modules.storage.redis_store import RedisStore

        return RedisStore
    raise AttributeError(f"module 'modules.storage' has no attribute {name!r}")


__all__ = [
    "check_revision",
    "stored_revision",
    "DEFAULT_COMPRESS_ABOVE",
    "DEFAULT_TOMBSTONE_TTL_S",
    "ENCRYPTION_KEY_ENV",
    "FORMAT_VERSION",
    "MIGRATIONS",
    "Cipher",
    "ConversationConflictError",
    "ConversationErasedError",
    "ConversationNotFoundError",
    "ConversationRecord",
    "ConversationStore",
    "ConversationSummary",
    "CorruptHistoryError",
    "CorruptRecordError",
    "DecryptionError",
    "EncryptionKeyError",
    "ExchangeCountError",
    "ExchangeJournal",
    "Appended",
    "FileStore",
    "InvalidConversationIdError",
    "OneFileStore",
    "PlaintextRecordError",
    "RedisStore",
    "SqliteDatabase",
    "SqliteHistoryProvider",
    "SqliteStore",
    "StorageError",
    "StoreOptions",
    "StoreOptionError",
    "Tombstone",
    "StorageUnavailableError",
    "UnsupportedVersionError",
    "decode",
    "encode",
    "from_guide_export",
    "read_summary",
    "redis_history_provider",
    "validate_conversation_id",
]
