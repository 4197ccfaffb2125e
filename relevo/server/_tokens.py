"""Signed bearer tokens for agents and web chat customers (HMAC-SHA256, stateless, so any process checks them).

A token is ``<base64url(JSON claims)>.<base64url(HMAC)>``. Agent tokens are checked against the agents file on
every request too: deleting an account ends its sessions at once, and so does changing its password or role (a
token issued before the account's ``changed_at`` is refused; the time is in the shared agents file, so the check
holds in every process).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from relevo._errors import StorageError

__all__ = ["AgentClaims", "CustomerClaims", "TokenSigner", "load_or_create_secret"]


class AgentClaims(BaseModel):
    """A signed-in console user."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["agent"] = "agent"
    sub: str
    """The agent's username."""
    iat: float = 0.0
    """Issued at (Unix seconds)."""
    exp: float


class CustomerClaims(BaseModel):
    """A web chat customer: grants one conversation, nothing else."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["customer"] = "customer"
    conversation_id: str
    handle: str
    """The web session id (the conversation's address on the web channel)."""
    exp: float


_Claims = TypeAdapter[AgentClaims | CustomerClaims](
    Annotated[AgentClaims | CustomerClaims, Field(discriminator="kind")]
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and checks tokens with one secret key."""

    def __init__(self, secret: bytes, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if len(secret) < 16:
            raise ValueError("the token secret needs at least 16 bytes")
        self._key = hashlib.sha256(b"relevo-serve-token\x00" + secret).digest()
        self._clock = clock

    def agent(self, username: str, ttl: timedelta) -> str:
        """A token for console user ``username``, valid for ``ttl``."""
        now = self._clock()
        return self._sign(AgentClaims(sub=username, iat=now.timestamp(), exp=(now + ttl).timestamp()))

    def customer(self, conversation_id: str, handle: str, ttl: timedelta) -> str:
        """A token granting web chat conversation ``conversation_id`` only."""
        exp = (self._clock() + ttl).timestamp()
        return self._sign(CustomerClaims(conversation_id=conversation_id, handle=handle, exp=exp))

    def read(self, token: str) -> AgentClaims | CustomerClaims | None:
        """The claims of a well-signed, unexpired token; None for anything else."""
        body, _, signature = token.strip().partition(".")
        if not body or not signature:
            return None
        try:
            expected = hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                return None
            claims = _Claims.validate_json(_unb64(body))
        except (ValueError, ValidationError):
            return None
        return claims if claims.exp > self._clock().timestamp() else None

    def _sign(self, claims: AgentClaims | CustomerClaims) -> str:
        body = _b64(json.dumps(claims.model_dump(), separators=(",", ":")).encode("utf-8"))
        signature = hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()
        return f"{body}.{_b64(signature)}"


def load_or_create_secret(path: Path) -> bytes:
    """The signing key kept in ``path`` (created, readable by the owner only, on first use).

    Raises:
        StorageError: the file cannot be read or written.
    """
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read the server key {path}: {exc}") from exc
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
    except FileExistsError:  # another process created it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise StorageError(f"cannot write the server key {path}: {exc}") from exc
    return key
