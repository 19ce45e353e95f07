"""RedisStore: conversations in Redis, shared by every process and machine that can reach it.

Keys (all under `namespace`, default "conversations"):
    {ns}:conv:{id}         the envelope bytes; a Redis TTL enforces `expires_at`
    {ns}:index             hash id -> header JSON (what list() reads; no bodies transferred)
    {ns}:user:{user_id}    set of ids (erasure without a scan)
    {ns}:tag:{tag}         set of ids
    {ns}:quarantine:{id}   list of corrupt originals (no TTL)
    {ns}:erased:{id}       an erased conversation's tombstone: id, last revision, time (TTL: tombstone_ttl_s)
Ids, user ids and tags are validated first, so none can inject into another key.

A save WATCHes the record's key, reads the stored revision from its header, and writes in MULTI/EXEC
only if that is the revision the record was loaded at; otherwise `ConversationConflictError`.
Erasure leaves `{ns}:erased:{id}` (id, last revision, time; no content), which Redis drops after
`tombstone_ttl_s`.

Redis deletes an expired conversation itself (its TTL is the authority on expiry here);
`cleanup_expired()` then prunes the index entries that point at nothing.
With `sliding_ttl_s`, every save and load pushes the expiry that far into the future
(an idle timeout: a conversation in use never expires, an abandoned one does).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import redis

from modules.storage.envelope import read_summary
from modules.storage.errors import ConversationNotFoundError, StorageError, StoreOptionError
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import Tombstone, stored_revision
from modules.storage.store import ConversationStore, reports_backend_failures

_TIMEOUT_S = 5.0  # every Redis call has a timeout: a lab never hangs on an unreachable server
_HEADER_READ = 8192  # bytes read to find a record's header line (its revision) without fetching the body

# Right to erasure, atomically: KEYS[1] is the user's set of ids (quarantined ones included), ARGV[1] the namespace,
# ARGV[2] the time of the erasure, ARGV[3] how long a tombstone lasts (ms). Returns how many conversations were erased.
_ERASE_USER = """
local ns, erased = ARGV[1], 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local header = redis.call('HGET', ns .. ':index', id)
  if header then
    local fields = cjson.decode(header)
    local tags = fields['tags']
    if type(tags) == 'table' then
      for _, tag in ipairs(tags) do redis.call('SREM', ns .. ':tag:' .. tag, id) end
    end
    local revision = fields['revision']
    if type(revision) ~= 'number' or revision < 1 then revision = 1 end
    local tombstone = '{"conversation_id":' .. cjson.encode(id) .. ',"revision":' .. string.format('%d', revision)
      .. ',"erased_at":' .. ARGV[2] .. '}'
    redis.call('SET', ns .. ':erased:' .. id, tombstone, 'PX', ARGV[3])
  end
  local removed = redis.call('HDEL', ns .. ':index', id)
  removed = removed + redis.call('DEL', ns .. ':conv:' .. id, ns .. ':quarantine:' .. id)
  if removed > 0 then erased = erased + 1 end
end
redis.call('DEL', KEYS[1])
return erased
"""


class RedisStore(ConversationStore):
    """Conversations in Redis, one key per conversation under a namespace, with Redis's own expiry.

    Args:
        url_or_client: A `redis://` URL (the store owns that connection) or a `redis.Redis` client you close.
        namespace: The key prefix that keeps this store's keys apart from others.
        sliding_ttl_s: When set, every load pushes a conversation's expiry this many seconds ahead.
        **options: The options of every store (`StoreOptions`): cipher, compress_above, clock,
            allow_plaintext_migration, tombstone_ttl_s. Redis's own clock enforces TTLs; `clock` must agree with it.

    Raises:
        InvalidConversationIdError: `namespace` could inject into a key.
        ValueError: The borrowed client decodes responses (the store needs bytes).
    """

    backend = "redis"
    unavailable_errors = (redis.RedisError,)  # connection refused, timeout, out of memory, ...

    def __init__(
        self,
        url_or_client: str | redis.Redis,
        *,
        namespace: str = "conversations",
        sliding_ttl_s: float | None = None,
        **options: Any,
    ) -> None:
        # Redis's own clock enforces TTLs; `clock` must agree with it (tests move both together).
        super().__init__(**options)
        self.namespace = validate_conversation_id(namespace, "namespace")
        self.sliding_ttl_s = sliding_ttl_s
        if isinstance(url_or_client, str):
            self._redis = redis.Redis.from_url(
                url_or_client, socket_timeout=_TIMEOUT_S, socket_connect_timeout=_TIMEOUT_S
            )
            self._owns_client = True
        else:
            if url_or_client.connection_pool.connection_kwargs.get("decode_responses"):
                raise StoreOptionError(
                    None,
                    "RedisStore stores bytes, but the client given decodes responses to text.",
                    "Pass a redis.Redis client created with decode_responses=False (the default), or a URL.",
                )
            self._redis, self._owns_client = url_or_client, False
        pool = self._redis.connection_pool.connection_kwargs
        address = f"{pool.get('host', '?')}:{pool.get('port', '?')}/{pool.get('db', 0)}"
        self._where = f"Redis {address} namespace {namespace!r}"  # never the password
        self._erase_user = self._redis.register_script(_ERASE_USER)

    @property
    def location(self) -> str:
        return self._where

    def close(self) -> None:
        if self._owns_client:
            self._redis.close()

    # ---- keys ------------------------------------------------------------------------------------

    def key_of(self, conversation_id: str) -> str:
        return f"{self.namespace}:conv:{conversation_id}"

    @property
    def _index(self) -> str:
        return f"{self.namespace}:index"

    def _user_key(self, user_id: str) -> str:
        return f"{self.namespace}:user:{user_id}"

    def _tag_key(self, tag: str) -> str:
        return f"{self.namespace}:tag:{tag}"

    def _quarantine_key(self, conversation_id: str) -> str:
        return f"{self.namespace}:quarantine:{conversation_id}"

    def _tombstone_key(self, conversation_id: str) -> str:
        return f"{self.namespace}:erased:{conversation_id}"

    # ---- backend operations -----------------------------------------------------------------------

    @reports_backend_failures
    def save(self, record: ConversationRecord) -> int:
        if self.sliding_ttl_s is not None:
            record.expires_at = self.clock() + self.sliding_ttl_s
        return super().save(record)

    @reports_backend_failures
    def load(self, conversation_id: str) -> ConversationRecord:
        # Redis's TTL is the authority on expiry here: if the key exists, the conversation is live.
        validate_conversation_id(conversation_id)
        key = self.key_of(conversation_id)
        data = self._redis.get(key)
        if data is None:
            raise self._not_stored(conversation_id)
        record = self._decode(conversation_id, data)
        if self.sliding_ttl_s is not None:
            record.expires_at = self.clock() + self.sliding_ttl_s
            self._redis.pexpire(key, int(self.sliding_ttl_s * 1000))
        return record

    def _put(self, record: ConversationRecord, seal: Callable[[int | None, Tombstone | None], bytes]) -> bytes:
        conversation_id, key = record.conversation_id, self.key_of(record.conversation_id)
        erased = self._tombstone_key(conversation_id)
        sealed: list[bytes] = []

        def update(pipe: redis.client.Pipeline) -> None:
            head = self._stored_head(pipe, key)
            tombstone = Tombstone.from_bytes(conversation_id, pipe.get(erased))
            data = seal(stored_revision(head), tombstone)
            sealed[:] = [data]
            header = data.partition(b"\n")[0]
            previous = pipe.hget(self._index, conversation_id)
            pipe.multi()
            pipe.delete(erased)
            if previous:
                self._unindex(pipe, conversation_id, json.loads(previous))
            expiry = {}
            if record.expires_at is not None:  # relative, so Redis's clock and the store's agree on what is left
                left_ms = int((record.expires_at - self.clock()) * 1000)
                expiry = {"px": left_ms} if left_ms > 0 else {"pxat": 1}  # already past: Redis drops it at once
            pipe.set(key, data, **expiry)
            pipe.hset(self._index, conversation_id, header)
            if record.user_id:
                pipe.sadd(self._user_key(record.user_id), conversation_id)
            for tag in record.tags:
                pipe.sadd(self._tag_key(tag), conversation_id)

        # WATCH the record's and tombstone's keys: if another client changes them before EXEC, redo the check.
        self._redis.transaction(update, key, erased)
        return sealed[0]

    @staticmethod
    def _stored_head(pipe: redis.client.Pipeline, key: str) -> bytes | None:
        """The stored record's first bytes, enough to hold its header line (its revision)."""
        head = pipe.getrange(key, 0, _HEADER_READ - 1)
        if len(head) == _HEADER_READ and b"\n" not in head:
            head = pipe.get(key)  # an unusually long header (many tags)
        return head

    def _unindex(self, pipe: redis.client.Pipeline, conversation_id: str, header: dict) -> None:
        if header.get("user_id"):
            pipe.srem(self._user_key(header["user_id"]), conversation_id)
        for tag in header.get("tags") or []:
            pipe.srem(self._tag_key(tag), conversation_id)

    def _get(self, conversation_id: str) -> bytes | None:
        return self._redis.get(self.key_of(conversation_id))

    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        if user_id is not None:
            ids = [i.decode() for i in self._redis.smembers(self._user_key(user_id))]
        elif tag is not None:
            ids = [i.decode() for i in self._redis.smembers(self._tag_key(tag))]
        else:
            ids = [i.decode() for i in self._redis.hkeys(self._index)]
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for conversation_id in ids:
            pipe.hget(self._index, conversation_id)
            pipe.strlen(self.key_of(conversation_id))
            pipe.pttl(self.key_of(conversation_id))
        replies = pipe.execute()
        now, summaries = self.clock(), []
        for conversation_id, header, size, ttl_ms in zip(ids, replies[0::3], replies[1::3], replies[2::3], strict=True):
            if header is None:
                continue  # quarantined: its user-set membership is kept for erasure only
            try:
                summary = read_summary(conversation_id, header)
            except StorageError:
                continue
            # The live TTL, not the header, says when it expires (sliding expiry moves it); -2: already gone.
            expires_at = None if ttl_ms == -1 else now if ttl_ms == -2 else now + ttl_ms / 1000
            summaries.append(replace(summary, expires_at=expires_at, size_bytes=size))
        return summaries

    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        key, quarantine = self.key_of(conversation_id), self._quarantine_key(conversation_id)
        erased = self._tombstone_key(conversation_id)

        def remove(pipe: redis.client.Pipeline) -> bool:
            previous = pipe.hget(self._index, conversation_id)
            existed = previous is not None or pipe.exists(key, quarantine) > 0
            revision = stored_revision(self._stored_head(pipe, key))
            earlier = Tombstone.from_bytes(conversation_id, pipe.get(erased))
            pipe.multi()
            if previous:
                self._unindex(pipe, conversation_id, json.loads(previous))
            pipe.hdel(self._index, conversation_id)
            pipe.delete(key, quarantine)
            if erased_at is not None and revision is not None:
                revision = max(revision, earlier.revision if earlier else 0)
                tombstone = Tombstone(conversation_id, revision, erased_at)
                pipe.set(erased, tombstone.to_bytes(), px=self._tombstone_ms())
            return existed

        return self._redis.transaction(remove, key, erased, value_from_callable=True)

    def _tombstone_ms(self) -> int:
        return max(int(self.tombstone_ttl_s * 1000), 1)

    def _purge_tombstones(self, erased_before: float) -> None:
        """Nothing to do: each tombstone's own TTL (`tombstone_ttl_s`) removes it."""

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # One server-side script: a save landing mid-erasure either runs before it (and is erased) or after it
        # (and is indexed under its user again, for the next erasure). Reading the index first, then deleting,
        # would let such a save survive outside the user index.
        user_key = self._user_key(validate_conversation_id(user_id, "user id"))
        erased_at = repr(float(self.clock()))
        return int(self._erase_user(keys=[user_key], args=[self.namespace, erased_at, self._tombstone_ms()]))

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        key, target = self.key_of(conversation_id), self._quarantine_key(conversation_id)

        def move(pipe: redis.client.Pipeline) -> bool:
            if pipe.get(key) != data:
                return False  # rewritten since we read it
            pipe.multi()
            pipe.rpush(target, data)
            pipe.delete(key)
            pipe.hdel(self._index, conversation_id)
            return True

        moved = self._redis.transaction(move, key, value_from_callable=True)
        return f"Redis list {target!r}" if moved else None

    def _quarantined(self, conversation_id: str) -> list[bytes]:
        return list(self._redis.lrange(self._quarantine_key(conversation_id), 0, -1))

    @reports_backend_failures
    def memory_usage(self, conversation_id: str) -> int:
        """Bytes Redis uses to hold the conversation's record (0 if it is not stored)."""
        return self._redis.memory_usage(self.key_of(validate_conversation_id(conversation_id))) or 0

    def ttl_s(self, conversation_id: str) -> float | None:
        """Seconds until Redis deletes the conversation (None: no expiry); raises if it is not stored."""
        milliseconds = self._redis.pttl(self.key_of(validate_conversation_id(conversation_id)))
        if milliseconds == -2:
            raise ConversationNotFoundError(
                conversation_id, f"nothing is stored under this id in {self.location}.", "It may have expired."
            )
        return None if milliseconds == -1 else milliseconds / 1000
