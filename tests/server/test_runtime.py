"""Settings, the first start on a fresh data directory, the store seam, tokens, and the `relevo serve` command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo._errors import ConfigurationError
from relevo.channels import ChannelGateway
from relevo.cli import main
from relevo.orchestrator import RunContext
from relevo.server import ServeSettings, SqliteServeStore, TokenSigner, open_runtime, open_serve_store, serve_config
from relevo.server._tokens import AgentClaims, CustomerClaims


def test_settings_come_from_relevo_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEVO_PORT", "9001")
    monkeypatch.setenv("RELEVO_WORKERS", "3")
    monkeypatch.setenv("RELEVO_DATABASE_URL", "postgresql://relevo:pw@db/relevo")
    monkeypatch.setenv("RELEVO_CHROMA_URL", "http://chroma:8000")
    monkeypatch.setenv("RELEVO_WHATSAPP_APP_SECRET", "not ours")  # another settings object's prefix: ignored here
    settings = ServeSettings()
    assert (settings.port, settings.workers, settings.chroma_url) == (9001, 3, "http://chroma:8000")
    assert settings.database_url is not None and "pw" not in repr(settings)  # secrets are not printed
    config = serve_config(settings, environ={})
    assert config.storage.database_url == "postgresql://relevo:pw@db/relevo"
    assert config.memory.server_url == "http://chroma:8000"


def test_the_embedded_default_keeps_the_server_store_in_the_data_dir(tmp_path: Path) -> None:
    store = open_serve_store(load_config(), tmp_path)
    assert isinstance(store, SqliteServeStore) and store.path == tmp_path / "serve.sqlite"
    store.close()


def test_a_fresh_data_dir_gets_demo_accounts_with_a_generated_password_once(
    tmp_path: Path, run_context: RunContext
) -> None:
    settings = ServeSettings(data_dir=tmp_path)
    first = open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway())
    try:
        assert {a.username for a in first.created_agents} == {"ana", "ben", "admin"}
        password = first.generated_password
        assert password is not None and len(password) >= 12
        assert first.agents.authenticate("ana", password) is not None
    finally:
        first.close()
    again = open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway())
    try:
        assert again.created_agents == [] and again.generated_password is None
        assert again.agents.authenticate("admin", password) is not None
    finally:
        again.close()


def test_a_short_secret_key_is_a_configuration_error(tmp_path: Path, run_context: RunContext) -> None:
    settings = ServeSettings(data_dir=tmp_path, secret_key="short", demo_password="whatever-123")
    with pytest.raises(ConfigurationError, match="RELEVO_SECRET_KEY"):
        open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway())


def test_tokens_expire_and_name_what_they_grant() -> None:
    now = [datetime(2026, 3, 1, tzinfo=UTC)]
    signer = TokenSigner(b"k" * 32, clock=lambda: now[0])
    agent = signer.agent("ana", timedelta(hours=1))
    customer = signer.customer("conv-1", "web-abc", timedelta(days=1))
    assert signer.read(agent) == AgentClaims(
        sub="ana", iat=now[0].timestamp(), exp=(now[0] + timedelta(hours=1)).timestamp()
    )
    claims = signer.read(customer)
    assert isinstance(claims, CustomerClaims) and claims.conversation_id == "conv-1"
    assert TokenSigner(b"x" * 32, clock=lambda: now[0]).read(agent) is None  # another server's key
    now[0] += timedelta(hours=2)
    assert signer.read(agent) is None and signer.read(customer) is not None
    assert signer.read("garbage") is None and signer.read("a.b") is None


def test_relevo_serve_rejects_bad_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert "workers" in capsys.readouterr().err
