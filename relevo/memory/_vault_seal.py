"""Sealing the PII vault: each value encrypted under its scope's key, found again by a keyed hash.

A vault scope (a conversation, or a message before it has one) gets a random 256-bit key, kept in the
registry's ``vault_keys`` table and deleted with the scope's entries: once it is gone, any copy of the sealed
values left in a WAL, a backup or a free page is unreadable (crypto-shredding). From that key, two subkeys are
derived (HMAC-SHA256 with fixed labels): one seals values with AES-256-GCM (a random 96-bit nonce per value,
the scope, token and kind as associated data, so a row cannot be moved to another scope or token), the other
computes the lookup digest (HMAC-SHA256 of kind and value) that lets the same value keep its token without the
value ever being stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from relevo._errors import StorageError

__all__ = ["lookup_digest", "new_vault_key", "open_value", "seal_value"]

_NONCE = 12


def new_vault_key() -> bytes:
    """A fresh random 32-byte scope key."""
    return os.urandom(32)


def _subkey(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, b"relevo-vault:" + label, hashlib.sha256).digest()


def _associated(scope: str, token: str, kind: str) -> bytes:
    return "\x1f".join((scope, token, kind)).encode("utf-8", "surrogatepass")


def lookup_digest(key: bytes, kind: str, value: str) -> bytes:
    """HMAC-SHA256 of ``kind`` and ``value`` under the scope's lookup subkey (32 bytes)."""
    message = f"{kind}\x1f{value}".encode("utf-8", "surrogatepass")
    return hmac.new(_subkey(key, b"lookup"), message, hashlib.sha256).digest()


def seal_value(key: bytes, scope: str, token: str, kind: str, value: str) -> bytes:
    """``value`` encrypted with AES-256-GCM: nonce (12 bytes) followed by ciphertext and tag."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_subkey(key, b"seal")).encrypt(
        nonce, value.encode("utf-8", "surrogatepass"), _associated(scope, token, kind)
    )
    return nonce + sealed


def open_value(key: bytes, scope: str, token: str, kind: str, sealed: bytes) -> str:
    """The value :func:`seal_value` sealed.

    Raises:
        StorageError: the row was altered, moved to another scope or token, or sealed under another key.
    """
    try:
        plain = AESGCM(_subkey(key, b"seal")).decrypt(sealed[:_NONCE], sealed[_NONCE:], _associated(scope, token, kind))
    except (InvalidTag, ValueError) as exc:
        raise StorageError(f"the vault entry {token} fails its integrity check (altered, or another key)") from exc
    return plain.decode("utf-8", "surrogatepass")
