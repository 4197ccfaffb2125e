"""``relevo serve`` settings: one pydantic-settings object, read from ``RELEVO_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServeSettings"]


class ServeSettings(BaseSettings):
    """How the server runs. Every field is also an environment variable: ``RELEVO_<FIELD>`` (e.g. ``RELEVO_PORT``).

    Conversation behaviour (models, escalation rules, memory) comes from the relevo config file
    (``RELEVO_CONFIG`` or ``relevo --config``); channel secrets from ``RELEVO_WHATSAPP_*`` / ``RELEVO_TWILIO_*``.
    """

    model_config = SettingsConfigDict(env_prefix="RELEVO_", extra="ignore", frozen=True, hide_input_in_errors=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path | None = None
    """Where conversations, ``serve.sqlite``, the agents file and the signing key live (default:
    ``storage.data_dir`` of the config)."""
    config: Path | None = None
    """A relevo TOML file merged over the packaged defaults."""
    desk: str | None = None
    """The desk to serve: a folder with ``desk.toml`` or ``package.module:function`` (default: the demo shop)."""
    workers: int = Field(default=2, ge=1, le=64)
    """Threads running customer turns in this process."""
    database_url: SecretStr | None = None
    """``postgresql://...``: scale-out mode (conversation state, inbox, dedupe, board in Postgres)."""
    chroma_url: str = ""
    """``http://host:8000``: customer memory on a ``chroma run`` server (needed for several processes)."""
    lease_seconds: float = Field(default=120.0, gt=0)
    """How long a worker owns an address's pending messages; after a crash, they are retried this much later."""
    poll_seconds: float = Field(default=0.25, gt=0, le=10)
    """How often idle workers and live streams look for work done by other processes."""
    secret_key: SecretStr | None = None
    """Signs agent and customer tokens. Default: a random key kept in ``<data_dir>/server.key``. Several
    processes on different data dirs must share one value."""
    agents_file: Path | None = None
    """The agent accounts (JSON, passwords scrypt-hashed). Default: ``<data_dir>/agents.json``."""
    demo_password: SecretStr | None = None
    """When the agents file does not exist yet, the desk's accounts (its ``[[agents]]``, or ``agent`` and
    ``admin``) get this password; unset: a random one, printed once at startup."""
    token_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    """How long an agent's sign-in lasts (customer tokens last as long as their web chat session: 30 days)."""
    demo_customers: bool = True
    """The web chat page may start a session as one of the desk's test customers, where the desk allows it
    (desk.toml ``[customers] selectable``; a demo convenience: turn it off anywhere real, sessions are then
    guests, identified later by the conversation itself)."""
    access_log: bool = False
    """uvicorn's per-request access log (paths carry conversation ids, never tokens or message text)."""
    max_body_bytes: int = Field(default=256 * 1024, ge=4096, le=64 * 1024 * 1024)
    """The largest request body accepted on any endpoint or webhook (bytes); larger ones are refused with 413
    before they are read. The default fits a 16,000-character message written in any script, and any webhook
    delivery Meta or Twilio sends."""
    max_header_bytes: int = Field(default=64 * 1024, ge=8 * 1024, le=1024 * 1024)
    """The largest request head (request line and headers) accepted, in bytes; a larger one is answered 400 and
    its connection closed as soon as the cap is passed. Browsers, Meta and Twilio send a few kilobytes."""
    login_failures_per_account: int = Field(default=5, ge=1)
    """Failed sign-ins to one account within ``login_window_seconds`` before its sign-in answers 429 (per
    process)."""
    login_failures_per_address: int = Field(default=20, ge=1)
    """Failed sign-ins from one client address within ``login_window_seconds`` before it gets 429 (per process)."""
    login_window_seconds: float = Field(default=300.0, gt=0)
    """The window the sign-in failure limits count over."""
