"""``relevo memory forget`` leaves no byte of the customer anywhere, in the embedded and the scale-out mode.

A customer and a control customer chat through the server (web chat and signed WhatsApp webhooks) with
distinctive strings: a made-up word, an email, phones, a card number, an IBAN. The server stops gracefully;
``relevo memory forget`` runs; then every byte of every file of the data directory (WAL files included), every
PostgreSQL table (each row as text) and the Chroma server's persisted files are scanned for each string — as is,
case-folded, and (for numbers) as digits only, so ``+44 7911 123456`` is found as ``447911123456`` too. Nothing
of the customer may be found; the control customer's data must still be there. Before erasure, the same scan
proves that raw personal data never reached any store as written: the inbox (``serve.sqlite`` and its WAL, or
``relevo_inbox``) holds tokens, the vault holds values sealed under each conversation's key, and a full card
number is stored nowhere at all.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from serve_harness import Completions, LiveServer, login, say, serve_settings, start_chat

from relevo._config import RelevoConfig, load_config
from relevo.channels import ChannelGateway
from relevo.cli import main
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime
from relevo.testing import FakeGraphAPI, fake_graph_api, whatsapp_text_payload
from relevo.testing._channels import whatsapp_webhook_request
from relevo.testing._postgres import postgres_unreachable, scratch_database
from relevo.testing._serve_process import chroma_server
from relevo.testing._services import service_missing

SECRET = "erasure-app-secret"
MARIA, CONTROL = "C-1001", "C-1006"
MARIA_PHONE, CONTROL_PHONE = "351911117781", "351933335512"

MARIA_SAYS = [
    "Hi, zebraquartz7781 here: my parcel never arrived, write to maria.quartz7781@example.org",
    "You can call me on +44 7911 123456, my card was 4539 1488 0343 6467",
    "Refund it to PT50 0002 0123 1234 5678 9015 4 please",
]
MARIA_WHATSAPP = ["Olá, sou a zebraquartz7781 outra vez, o meu IBAN é PT50 0002 0123 1234 5678 9015 4"]
CONTROL_SAYS = ["Hello, yakfjord5512 asking: how do returns work? Mail me at control.fjord5512@example.org"]
CONTROL_WHATSAPP = ["Hola, soy yakfjord5512, ¿cuánto tarda el envío?"]

MARIA_NEEDLES = {
    "word": "zebraquartz7781",
    "email": "maria.quartz7781@example.org",
    "phone in text": "+44 7911 123456",
    "card": "4539 1488 0343 6467",
    "iban": "PT50 0002 0123 1234 5678 9015 4",
    "whatsapp number": MARIA_PHONE,
    "whatsapp profile name": "Mariazinha Quartzo",
    "name": "Maria Silva",
}
RAW_PII = ("email", "phone in text", "card", "iban")
CONTROL_NEEDLES = {"word": "yakfjord5512", "email": "control.fjord5512@example.org", "whatsapp number": CONTROL_PHONE}


def _forms(needle: str) -> list[bytes]:
    """The needle as written, without its spaces, and (a number) as digits only."""
    forms = {needle.encode(), needle.replace(" ", "").encode()}
    digits = re.sub(r"\D", "", needle)
    if len(digits) >= 8 and len(digits) >= len(needle.replace(" ", "")) - 3:
        forms.add(digits.encode())
    return sorted(forms)


def _normalised(blob: bytes) -> tuple[bytes, bytes]:
    """``blob`` case-folded, and its digits only."""
    return blob.lower(), re.sub(rb"\D", b"", blob)


@dataclass
class Scan:
    """What one scan read and where each needle was found."""

    files: int = 0
    bytes: int = 0
    tables: int = 0
    rows: int = 0
    found: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    def look(self, where: str, blob: bytes, needles: dict[str, str]) -> None:
        folded, digits = _normalised(blob)
        for name, needle in needles.items():
            for form in _forms(needle):
                haystack = digits if form.isdigit() else folded
                if form.lower() in haystack:
                    self.found.setdefault(name, []).append(where)
                    break


def _scan(roots: list[Path], database_url: str | None, needles: dict[str, str]) -> Scan:
    scan = Scan()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            blob = path.read_bytes()
            scan.files += 1
            scan.bytes += len(blob)
            scan.look(str(path.relative_to(root)), blob, needles)
    if database_url:
        with psycopg.connect(database_url, autocommit=True) as conn:
            tables = [
                str(r[0])
                for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ]
            for table in tables:
                name = sql.Identifier(table)
                as_text = conn.execute(sql.SQL("SELECT t::text FROM {} t").format(name)).fetchall()
                scan.tables += 1
                scan.rows += len(as_text)
                scan.look(f"table {table}", "\n".join(str(r[0]) for r in as_text).encode(), needles)
                # bytea columns (checkpoint blobs) print as hex in the row's text: scan their bytes as well
                for row in conn.execute(sql.SQL("SELECT * FROM {}").format(name)).fetchall():
                    blobs = [bytes(v) for v in row if isinstance(v, bytes | memoryview)]
                    if blobs:
                        scan.look(f"table {table}", b"\n".join(blobs), needles)
    return scan


@dataclass
class Deployment:
    config: RelevoConfig
    data_dir: Path
    database_url: str | None
    chroma_dir: Path | None
    env: dict[str, str]


@pytest.fixture(params=["embedded", "scale-out"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    if request.param == "embedded":
        yield Deployment(load_config(), tmp_path / "data", None, None, {})
        return
    missing = postgres_unreachable()
    if missing:
        service_missing(missing)
    with scratch_database(prefix="relevo_erasure") as url, chroma_server(tmp_path / "chroma") as chroma:
        config = load_config(overrides={"storage": {"database_url": url}, "memory": {"server_url": chroma}})
        env = {"RELEVO_DATABASE_URL": url, "RELEVO_CHROMA_URL": chroma}
        yield Deployment(config, tmp_path / "data", url, tmp_path / "chroma" / "data", env)


def _open(deployment: Deployment, run_context: RunContext, graph: FakeGraphAPI) -> ServerRuntime:
    gateway = ChannelGateway.from_env(
        {
            "RELEVO_WHATSAPP_APP_SECRET": SECRET,
            "RELEVO_WHATSAPP_VERIFY_TOKEN": "verify-me",
            "RELEVO_WHATSAPP_ACCESS_TOKEN": graph.access_token,
            "RELEVO_WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
            "RELEVO_WHATSAPP_GRAPH_BASE_URL": graph.base_url,
        }
    )
    context = dataclasses.replace(run_context, config=deployment.config)
    return open_runtime(serve_settings(deployment.data_dir), config=deployment.config, context=context, gateway=gateway)


def _whatsapp(client: httpx.Client, phone: str, text: str, message_id: str, name: str) -> None:
    payload = whatsapp_text_payload(phone, text, message_id=message_id, name=name)
    body, headers = whatsapp_webhook_request(payload, SECRET)
    assert client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200


def _chat(runtime: ServerRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both customers write on web chat and WhatsApp; both say goodbye on web chat (their episodes are memorized)."""
    memory = runtime.desk.memory
    assert memory is not None
    memory.link_identity("whatsapp", MARIA_PHONE, MARIA)
    memory.link_identity("whatsapp", CONTROL_PHONE, CONTROL)
    done = Completions(runtime.store, monkeypatch)  # type: ignore[arg-type]
    expected = 0
    with LiveServer(runtime) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        for customer, lines in ((MARIA, MARIA_SAYS), (CONTROL, CONTROL_SAYS)):
            chat = start_chat(client, customer)
            for text in [*lines, "Thanks, bye!"]:
                say(client, chat, text)
                expected += 1
                done.wait(expected)
        for phone, lines, name in (
            (MARIA_PHONE, MARIA_WHATSAPP, MARIA_NEEDLES["whatsapp profile name"]),
            (CONTROL_PHONE, CONTROL_WHATSAPP, "Control Fjord"),
        ):
            for n, text in enumerate(lines):
                _whatsapp(client, phone, text, f"wamid.{phone}.{n}", name)
                expected += 1
                done.wait(expected)


def _forget_cli(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    for key, value in deployment.env.items():
        monkeypatch.setenv(key, value)
    assert main(["memory", *args, "--data-dir", str(deployment.data_dir)]) == 0
    return capsys.readouterr().out


def test_forget_erases_every_copy_in_every_store_and_keeps_the_control_customer(
    deployment: Deployment,
    run_context: RunContext,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roots = [deployment.data_dir, *([deployment.chroma_dir] if deployment.chroma_dir else [])]
    with fake_graph_api() as graph:
        runtime = _open(deployment, run_context, graph)
        try:
            _chat(runtime, monkeypatch)
        finally:
            runtime.close()  # a graceful stop

        # Raw personal data never reached any store: the vault keeps it sealed, and no full card anywhere.
        before = _scan(roots, deployment.database_url, MARIA_NEEDLES)
        raw_at = {name: before.found.get(name, []) for name in RAW_PII}
        assert raw_at == {name: [] for name in RAW_PII}, raw_at
        assert before.found.get("word"), "the customer is there before erasure"

        shown = _forget_cli(deployment, monkeypatch, capsys, "show", MARIA)
        assert "[episode]" in shown and "nothing yet" not in shown, shown  # the same stores as forget

        receipt = json.loads(_forget_cli(deployment, monkeypatch, capsys, "forget", MARIA))
        assert receipt["customer_id"] == MARIA
        removed = {k: v for k, v in receipt.items() if isinstance(v, int)}
        for store in ("memories", "conversations", "checkpoints", "vault_entries", "identities", "keys"):
            assert removed[store] > 0, (store, receipt)
        for store in ("conversation_index", "inbox", "board", "directory"):
            assert removed[store] >= 2, (store, receipt)  # the web chat and the WhatsApp conversation

        after = _scan(
            roots, deployment.database_url, {**MARIA_NEEDLES, **{f"control {k}": v for k, v in CONTROL_NEEDLES.items()}}
        )
        with capsys.disabled():
            print(
                f"erasure scan ({'scale-out' if deployment.database_url else 'embedded'}): {after.files} files, "
                f"{after.bytes} bytes, {after.tables} tables, {after.rows} rows; receipt {removed}"
            )
        left = {name: where for name, where in after.found.items() if not name.startswith("control ")}
        assert left == {}, f"found after erasure: {left}"
        for name in CONTROL_NEEDLES:
            if name != "email":  # redacted: only the vault has it, sealed (checked below)
                assert after.found.get(f"control {name}"), f"the control customer's {name} is gone too"
        assert "nothing yet" in _forget_cli(deployment, monkeypatch, capsys, "show", MARIA)

        # The console no longer lists her; the control customer's conversations are still there.
        runtime = _open(deployment, run_context, graph)
        try:
            with LiveServer(runtime) as live, httpx.Client(base_url=live.url, timeout=30) as client:
                headers = login(client, "admin")
                listed: list[dict[str, Any]] = client.get("/api/conversations", headers=headers).json()
            memory = runtime.desk.memory
            assert memory is not None
            vaulted = [
                value
                for conversation_id in memory.registry.conversations(CONTROL)
                for _, value in memory.registry.vault(conversation_id).values()
            ]
        finally:
            runtime.close()
    customers = [row["customer_id"] for row in listed]
    assert MARIA not in customers and customers.count(CONTROL) == 2, customers
    assert CONTROL_NEEDLES["email"] in vaulted, "the control customer's vault is intact"
