"""Everything one ``relevo serve`` process runs on, chosen from settings: the desk, the store, accounts, keys.

This is the one seam between the embedded default and scale-out mode: :func:`open_serve_store` picks SQLite in
the data directory, or PostgreSQL when a database URL is configured; the desk follows the same configuration
(``DeskBuilder`` opens LangGraph's Postgres checkpointer for a database URL and a Chroma server for
``memory.server_url``).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from relevo._config import RelevoConfig, load_config
from relevo._data_dir_lock import DataDirLock
from relevo._errors import ConfigurationError
from relevo.channels import ChannelGateway
from relevo.desks import DEFAULT_DESK, DeskDefinition, desk_definition
from relevo.orchestrator import DeskBuilder, RunContext, SupportDesk
from relevo.server._agents import DEFAULT_AGENTS, AgentAccount, AgentDirectory
from relevo.server._ports import ServeStore
from relevo.server._service import ServeService
from relevo.server._settings import ServeSettings
from relevo.server._sqlite_store import SqliteServeStore
from relevo.server._tokens import TokenSigner, load_or_create_secret

_log = logging.getLogger("relevo.server")

__all__ = ["ServerRuntime", "desk_accounts", "open_runtime", "open_serve_store", "serve_config"]


@dataclass
class ServerRuntime:
    """The parts of a running server (see :func:`open_runtime`)."""

    settings: ServeSettings
    config: RelevoConfig
    data_dir: Path
    desk: SupportDesk
    store: ServeStore
    agents: AgentDirectory
    signer: TokenSigner
    service: ServeService
    gateway: ChannelGateway
    definition: DeskDefinition = field(default_factory=lambda: desk_definition(DEFAULT_DESK))
    """The desk being served (its brand, accounts and whether its customers may be played)."""
    created_agents: list[AgentAccount] = field(default_factory=list[AgentAccount])
    """The desk's accounts created at this start (a fresh data directory)."""
    generated_password: str | None = None
    """Their password when it was generated (to print once); None when it came from ``RELEVO_DEMO_PASSWORD``."""
    lock: DataDirLock | None = None
    """This process's hold on the embedded data directory (None in scale-out mode)."""

    @property
    def brand(self) -> str:
        """The desk's name on the agents' console (English: its English name, else its default language's). The
        customers' chat page names the desk in the page's language (``relevo.server._chat_page``)."""
        return self.desk.context.profile.name_in("en")

    @property
    def customers_selectable(self) -> bool:
        """Whether the web chat may start a session as one of the desk's customers: ``RELEVO_DEMO_CUSTOMERS``
        on, and the desk not saying otherwise (desk.toml ``[customers] selectable``)."""
        return self.settings.demo_customers and self.definition.customers_selectable is not False

    def close(self) -> None:
        """Stop the workers, land the queued memory writes and release every store, then the data directory."""
        try:
            self.service.stop()
            self.gateway.close()
            self.store.close()
            self.desk.close()
        finally:
            if self.lock is not None:
                self.lock.release()


def serve_config(settings: ServeSettings, environ: Mapping[str, str] | None = None) -> RelevoConfig:
    """The relevo configuration for ``settings``: the config file, ``RELEVO_*`` variables, then the settings'
    own ``database_url``/``chroma_url``/``data_dir`` on top."""
    overrides: dict[str, Any] = {}
    if settings.database_url is not None and settings.database_url.get_secret_value():
        overrides.setdefault("storage", {})["database_url"] = settings.database_url.get_secret_value()
    if settings.data_dir is not None:
        overrides.setdefault("storage", {})["data_dir"] = str(settings.data_dir)
    if settings.chroma_url:
        overrides.setdefault("memory", {})["server_url"] = settings.chroma_url
    return load_config(settings.config, overrides=overrides, environ=os.environ if environ is None else environ)


def desk_accounts(builder: DeskBuilder) -> list[AgentAccount]:
    """The console accounts for a fresh data directory: the desk's agents (desk.toml ``[[agents]]`` or
    ``DeskBuilder.with_agent_accounts``), else :data:`DEFAULT_AGENTS` (one agent for every queue, an admin)."""
    if builder.agent_accounts:
        return [AgentAccount.model_validate(spec.model_dump()) for spec in builder.agent_accounts]
    return list(DEFAULT_AGENTS)


def open_serve_store(config: RelevoConfig, data_dir: Path) -> ServeStore:
    """The server's bookkeeping: PostgreSQL when ``storage.database_url`` is set, else ``serve.sqlite`` in
    ``data_dir``.

    Raises:
        StorageError: the store cannot be opened.
    """
    if config.storage.database_url:
        from relevo.server._postgres_store import PostgresServeStore  # scale-out only: loads the Postgres driver

        return PostgresServeStore(config.storage.database_url)
    return SqliteServeStore(data_dir / "serve.sqlite")


def open_runtime(
    settings: ServeSettings | None = None,
    *,
    config: RelevoConfig | None = None,
    context: RunContext | None = None,
    gateway: ChannelGateway | None = None,
) -> ServerRuntime:
    """Open everything a server needs. Workers are not started (the app's lifespan starts them).

    Args:
        settings: server settings (default: from the environment).
        config: relevo configuration (default: :func:`serve_config`).
        context: an already-built run context (a fitted offline engine) to share; default: built here.
        gateway: the channels (default: ``ChannelGateway.from_env()``).

    Raises:
        ConfigurationError, StorageError: the configuration, a store or the agents file is unusable.
    """
    settings = settings or ServeSettings()
    definition = desk_definition(settings.desk or DEFAULT_DESK)
    config = definition.config(config or serve_config(settings))
    data_dir = settings.data_dir or config.storage.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = DataDirLock.for_config(config, data_dir, purpose="relevo serve")
    try:
        return _open_runtime(settings, definition, config, data_dir, lock, context, gateway)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _open_runtime(
    settings: ServeSettings,
    definition: DeskDefinition,
    config: RelevoConfig,
    data_dir: Path,
    lock: DataDirLock | None,
    context: RunContext | None,
    gateway: ChannelGateway | None,
) -> ServerRuntime:
    builder = definition.builder(config)
    agents = AgentDirectory(settings.agents_file or definition.agents_file or data_dir / "agents.json")
    created: list[AgentAccount] = []
    generated: str | None = None
    if not agents.exists():
        password = settings.demo_password.get_secret_value() if settings.demo_password is not None else None
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        created = agents.create_initial_agents(password, desk_accounts(builder))
    secret = (
        settings.secret_key.get_secret_value().encode("utf-8")
        if settings.secret_key is not None
        else load_or_create_secret(data_dir / "server.key")
    )
    if len(secret) < 16:
        raise ConfigurationError("RELEVO_SECRET_KEY needs at least 16 characters")
    signer = TokenSigner(secret)
    channels = gateway if gateway is not None else ChannelGateway.from_env()
    desk = builder.open_with_context(data_dir, context) if context is not None else builder.open(data_dir)
    store: ServeStore | None = None
    try:
        store = open_serve_store(config, data_dir)
        if lock is not None and isinstance(store, SqliteServeStore):
            # This process owns the data directory: what a killed predecessor leased is retried at once.
            released = store.release_orphans()
            if released:
                _log.warning("released %d lease(s) a stopped process left in %s", released, data_dir)
    except BaseException:
        if store is not None:
            store.close()
        desk.close()
        channels.close()
        raise
    service = ServeService(
        desk,
        store,
        agents,
        senders=channels.sender,
        workers=settings.workers,
        lease=timedelta(seconds=settings.lease_seconds),
        poll=settings.poll_seconds,
    )
    return ServerRuntime(
        settings=settings,
        config=config,
        data_dir=data_dir,
        desk=desk,
        store=store,
        agents=agents,
        signer=signer,
        service=service,
        gateway=channels,
        definition=definition,
        created_agents=created,
        generated_password=generated,
        lock=lock,
    )
