"""Authenticated encryption at rest (AES-256-GCM) with the key taken from the environment.

    export CONVERSATION_ENCRYPTION_KEY=$(python -c "from modules.storage import Cipher; print(Cipher.generate_key())")
    store = SqliteStore(path, cipher=Cipher.from_env())

GCM authenticates as well as encrypts: a wrong key, a flipped bit or a truncated record
fails loudly instead of yielding garbage. The envelope's header is bound to the ciphertext
as associated data, so a record cannot be renamed to another conversation id unnoticed.
The key is never stored, logged, or shown: only an 8-hex-digit key id (a hash prefix) is,
so a wrong-key error can say which key a record needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from modules.storage.errors import EncryptionKeyError, StorageError

ENCRYPTION_KEY_ENV = "CONVERSATION_ENCRYPTION_KEY"
_KEY_BYTES = 32
_NONCE_BYTES = 12  # GCM's standard nonce; random per record


class CipherNotPicklableError(StorageError, TypeError):
    """A `Cipher` was pickled (sent to another process); it holds a secret key, so each process builds its own."""


class Cipher:
    """AES-256-GCM with one key. Construct from 32 raw bytes, or from base64 text with `from_text`/`from_env`.

    Args:
        key: Exactly 32 random bytes (`Cipher.generate_key()` makes a key as text).

    Raises:
        EncryptionKeyError: `key` is not 32 bytes; the message never repeats it.
    """

    name = "aes256gcm"

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != _KEY_BYTES:
            raise EncryptionKeyError(
                None, f"An encryption key must be exactly {_KEY_BYTES} bytes.", "Create one with Cipher.generate_key()."
            )
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"conversation-key-id:" + key).hexdigest()[:8]

    @staticmethod
    def generate_key() -> str:
        """A new random key as URL-safe base64 text, the form CONVERSATION_ENCRYPTION_KEY expects."""
        return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()

    @classmethod
    def from_text(cls, text: str, *, source: str = "the key") -> Cipher:
        try:
            key = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != _KEY_BYTES:
            # Never echo the text: it is (a mistyped) secret.
            raise EncryptionKeyError(
                None,
                f"{source} is not a valid key: it must be {_KEY_BYTES} bytes in URL-safe base64 (44 characters).",
                "Create one with Cipher.generate_key().",
            )
        return cls(key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Cipher | None:
        """The cipher for CONVERSATION_ENCRYPTION_KEY, or None when it is unset (no encryption).

        `environ` defaults to the process environment; pass `modules.config.course_environment()` to include
        `.env` (storage reads no files of its own: the course has one `.env` reader).
        """
        text = (os.environ if environ is None else environ).get(ENCRYPTION_KEY_ENV, "")
        return cls.from_text(text, source=ENCRYPTION_KEY_ENV) if text.strip() else None

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def decrypt(self, blob: bytes, associated_data: bytes) -> bytes:
        """Raise `cryptography.exceptions.InvalidTag` if the key is wrong or the bytes were altered."""
        if len(blob) <= _NONCE_BYTES:
            raise InvalidTag()
        return self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], associated_data)

    def __repr__(self) -> str:
        return f"Cipher({self.name}, key_id={self.key_id})"

    def __reduce__(self) -> object:
        raise CipherNotPicklableError(
            None,
            "a Cipher holds a secret key and is not picklable.",
            "Build it from the environment in each process.",
        )
