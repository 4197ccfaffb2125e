"""Human agent accounts: who may sign in to the console, their skills and languages, and the admin role.

Accounts live in one JSON file (``<data_dir>/agents.json`` or ``RELEVO_AGENTS_FILE``), passwords hashed with
scrypt. The file is re-read when it changes, so an account edited by another process is seen here too.

Each account records when its password or role last changed (``changed_at``, in the file, so every process sees
it): tokens issued before that moment stop working. There is always at least one admin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from relevo._errors import BadInputError, ConfigurationError, StorageError

__all__ = [
    "DEFAULT_AGENTS",
    "AgentAccount",
    "AgentDirectory",
    "LastAdminError",
    "Role",
    "hash_password",
    "verify_password",
]

Role = Literal["agent", "admin"]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
# scrypt cost: 16 MiB and ~50 ms a check on a laptop core; stored with the hash so it can be raised later.
_N, _R, _P = 2**14, 8, 1
_MIN_PASSWORD = 8


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$<salt>$<hash>`` (base64) for ``password``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded`` (constant-time compare); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(expected)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


class LastAdminError(BadInputError):
    """The change would leave no admin account (nobody could manage accounts any more)."""


# A hash of a random password: verifying an unknown username costs as much as a known one (no timing oracle).
_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


class AgentAccount(BaseModel):
    """One console account. ``skills`` are queue or skill names of handoff routes (``*``: all); ``languages``
    are language codes (``*``: all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    name: str
    role: Role = "agent"
    skills: list[str] = Field(default_factory=list[str])
    languages: list[str] = Field(default_factory=lambda: ["en"])
    available: bool = True
    """Takes new handoffs (routing skips agents who are away)."""
    password_hash: str = Field(default="", repr=False)
    changed_at: float | None = None
    """When the password or role last changed, or the account was created through :meth:`AgentDirectory.save`
    (Unix seconds); tokens issued before are refused. None: never (the accounts a fresh server writes)."""

    def signed_in_before_change(self, issued_at: float) -> bool:
        """Whether a token issued at ``issued_at`` (Unix seconds) predates the last password or role change."""
        return self.changed_at is not None and issued_at < self.changed_at

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not _USERNAME.match(value):
            raise ValueError("use 1-40 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    def handles(self, *, queue: str | None, skill: str | None, language: str) -> bool:
        """Whether this agent can take a handoff routed to ``queue``/``skill`` in ``language``."""
        skilled = "*" in self.skills or bool({queue, skill} & set(self.skills))
        speaks = "*" in self.languages or language in self.languages
        return skilled and speaks


DEFAULT_AGENTS: tuple[AgentAccount, ...] = (
    AgentAccount(username="agent", name="Agent", skills=["*"], languages=["*"]),
    AgentAccount(username="admin", name="Team lead", role="admin", skills=["*"], languages=["*"], available=False),
)
"""The accounts ``relevo serve`` creates for a desk that names no agents: one agent for every queue and
language, and an admin (who adds the real team in the console)."""


class _AgentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agents: list[AgentAccount] = Field(default_factory=list[AgentAccount])


class AgentDirectory:
    """The agent accounts in ``path``; thread-safe, re-read when another process changed the file.

    Raises:
        ConfigurationError: the file exists but is not a valid agents file.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._guard = threading.RLock()
        self._stamp: tuple[int, int] | None = None
        self._accounts: dict[str, AgentAccount] = {}
        self._reload()

    # -- reading --------------------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the agents file exists (False on a fresh data directory)."""
        return self.path.exists()

    def get(self, username: str) -> AgentAccount | None:
        """The account, if any."""
        with self._guard:
            self._reload()
            return self._accounts.get(username)

    def all(self) -> list[AgentAccount]:
        """Every account, by username."""
        with self._guard:
            self._reload()
            return sorted(self._accounts.values(), key=lambda a: a.username)

    def authenticate(self, username: str, password: str) -> AgentAccount | None:
        """The account when ``password`` is right; None otherwise (same cost for unknown usernames)."""
        account = self.get(username.strip().lower())
        ok = verify_password(password, account.password_hash if account is not None else _DUMMY_HASH)
        return account if ok and account is not None else None

    # -- writing --------------------------------------------------------------------------------------
    def save(
        self,
        username: str,
        *,
        name: str,
        role: Role = "agent",
        skills: Sequence[str] = (),
        languages: Sequence[str] = ("en",),
        available: bool = True,
        password: str | None = None,
    ) -> AgentAccount:
        """Create or update an account; a new account needs a password (at least 8 characters).

        A new password, a new role, or a new account ends every token issued for the username before.

        Raises:
            BadInputError: bad username, missing or short password.
            LastAdminError: the account is the last admin and the change takes its role away.
        """
        with self._guard:
            self._reload()
            current = self._accounts.get(username)
            if current is not None and current.role == "admin" and role != "admin":
                self._keep_an_admin(username, "demoted")
            if password is not None:
                if len(password) < _MIN_PASSWORD:
                    raise BadInputError(f"a password needs at least {_MIN_PASSWORD} characters")
                hashed = hash_password(password)
            elif current is not None:
                hashed = current.password_hash
            else:
                raise BadInputError(f"a new agent ({username}) needs a password")
            changed = current is None or password is not None or current.role != role
            try:
                account = AgentAccount(
                    username=username,
                    name=" ".join(name.split()) or username,
                    role=role,
                    skills=_clean(skills),
                    languages=_clean(languages),
                    available=available,
                    password_hash=hashed,
                    changed_at=self._clock() if changed or current is None else current.changed_at,
                )
            except ValidationError as exc:
                raise BadInputError(f"agent {username!r}: {exc.errors(include_url=False)[0]['msg']}") from exc
            self._accounts[username] = account
            self._write()
            return account

    def set_available(self, username: str, available: bool) -> AgentAccount:
        """Mark an agent available for new handoffs, or away.

        Raises:
            BadInputError: no such agent.
        """
        with self._guard:
            self._reload()
            current = self._accounts.get(username)
            if current is None:
                raise BadInputError(f"no agent {username!r}")
            updated = current.model_copy(update={"available": available})
            self._accounts[username] = updated
            self._write()
            return updated

    def delete(self, username: str) -> bool:
        """Remove an account; False when there was none. Its tokens stop working at once.

        Raises:
            LastAdminError: the account is the last admin.
        """
        with self._guard:
            self._reload()
            current = self._accounts.get(username)
            if current is None:
                return False
            if current.role == "admin":
                self._keep_an_admin(username, "deleted")
            del self._accounts[username]
            self._write()
            return True

    def create_initial_agents(self, password: str, accounts: Sequence[AgentAccount]) -> list[AgentAccount]:
        """Write ``accounts`` (the desk's team, or :data:`DEFAULT_AGENTS`) with ``password`` when the file does
        not exist yet; [] when it does."""
        with self._guard:
            if self.exists():
                return []
            hashed = hash_password(password)
            self._accounts = {a.username: a.model_copy(update={"password_hash": hashed}) for a in accounts}
            self._write()
            return list(self._accounts.values())

    def _keep_an_admin(self, username: str, change: str) -> None:
        if not any(a.role == "admin" for name, a in self._accounts.items() if name != username):
            raise LastAdminError(f"{username!r} is the last admin and cannot be {change}: make another admin first")

    # -- file -----------------------------------------------------------------------------------------
    def _reload(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._accounts = None, {}
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        try:
            parsed = _AgentsFile.model_validate_json(self.path.read_bytes())
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise ConfigurationError(f"{self.path} is not a valid agents file: {problems}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read the agents file {self.path}: {exc}") from exc
        self._accounts = {a.username: a for a in parsed.agents}
        self._stamp = stamp

    def _write(self) -> None:
        body = _AgentsFile(agents=sorted(self._accounts.values(), key=lambda a: a.username))
        payload = json.dumps(body.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Atomic replace: a reader in another process sees the old file or the new one, never half of it.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".agents-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise StorageError(f"cannot write the agents file {self.path}: {exc}") from exc
        stat = self.path.stat()
        self._stamp = (stat.st_mtime_ns, stat.st_size)


def _clean(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        item = value.strip().lower()
        if item and item not in out:
            out.append(item)
    return out
