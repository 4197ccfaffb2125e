"""``relevo doctor``: each failure mode is found, named and given a fix; exit 0 only when all is well."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo._doctor import DoctorProbes, Finding, diagnose, doctor
from relevo._errors import ConfigurationError
from relevo.testing import FakeOpenAIServer, fake_openai_server
from relevo.testing._local_llm import LlamaBuild, parse_llama_build

PORTABLE = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 | "
NATIVE = PORTABLE + "AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | "
_KEYS = ("OPENAI_API_KEY", "RELEVO_DATABASE_URL", "RELEVO_CHROMA_URL", "RELEVO_DATA_DIR")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RELEVO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def probes(**changes: object) -> DoctorProbes:
    """A healthy machine with the dev tools installed: an executable 'chromium', a portable llama build."""
    values: dict[str, object] = {
        "chromium": Path(sys.executable),
        "llama": lambda: parse_llama_build("0.3.36", PORTABLE),
        "dev_installed": lambda: True,
        "timeout_s": 2.0,
        "environ": {k: v for k, v in os.environ.items() if k not in _KEYS},
    }
    values.update(changes)
    return DoctorProbes(**values)  # type: ignore[arg-type]


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relevo.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server() as server:
        yield server


def test_all_is_well_exits_0() -> None:
    out = io.StringIO()
    assert doctor(out=out, probes=probes()) == 0
    text = out.getvalue()
    assert "FAIL" not in text and text.rstrip().endswith("all is well")
    assert "embeddings: cache" in text and "not built yet" in text


@pytest.mark.parametrize(
    ("text", "check", "detail"),
    [
        (
            '[models.agents]\nresolver = "openai/gpt-4o-mini"\n',
            "models",
            "agent 'resolver': model 'openai/gpt-4o-mini' needs OPENAI_API_KEY",
        ),
        ('[models]\ndefault = "nonsense"\n', "models", "cannot tell which provider serves model 'nonsense'"),
        ('[models]\ndefault = "openai/gpt-4o-mini"\napi_key_env = "NO_SUCH_KEY"\n', "models", "NO_SUCH_KEY"),
        (
            '[models]\ndefault = "openai/smollm2"\napi_base = "http://127.0.0.1:9/v1"\n',
            "models",
            "nothing answers at models.api_base http://127.0.0.1:9/v1",
        ),
        ('[storage]\ndatabase_url = "postgresql://127.0.0.1:9/none"\n', "database", "cannot connect to postgresql"),
        ('[storage]\ndata_dir = "/dev/null/relevo-data"\n', "database", "cannot be created or written"),
        ('[memory]\nserver_url = "http://127.0.0.1:9"\n', "chroma", "nothing answers at http://127.0.0.1:9"),
        ("[models\n", "configuration", ""),
        ('[nonsense]\nkey = "value"\n', "configuration", ""),
    ],
    ids=[
        "missing-key",
        "unknown-provider",
        "api-key-env-unset",
        "api-base-down",
        "database-down",
        "data-dir-unwritable",
        "chroma-down",
        "toml-syntax",
        "unknown-section",
    ],
)
def test_configuration_failures(tmp_path: Path, text: str, check: str, detail: str) -> None:
    out = io.StringIO()
    assert doctor(config_file(tmp_path, text), out=out, probes=probes()) == 1
    found = by_check(diagnose(config_file(tmp_path, text), probes()))[check]
    assert found.status == "fail" and detail in found.detail and found.fix
    assert f"FAIL  {check}: " in out.getvalue() and "fix: " in out.getvalue()


def test_a_local_model_server_that_answers_is_well(tmp_path: Path, llm_server: FakeOpenAIServer) -> None:
    path = config_file(tmp_path, f'[models]\ndefault = "openai/smollm2"\napi_base = "{llm_server.base_url}"\n')
    found = by_check(diagnose(path, probes()))["models"]
    assert found.status == "ok" and f"{llm_server.base_url} answers" in found.detail


def test_a_server_that_is_not_chroma(tmp_path: Path, llm_server: FakeOpenAIServer) -> None:
    url = llm_server.base_url.removesuffix("/v1")
    found = by_check(diagnose(config_file(tmp_path, f'[memory]\nserver_url = "{url}"\n'), probes()))["chroma"]
    assert found.status == "fail" and "is not a Chroma server" in found.detail


def test_a_reachable_database(tmp_path: Path, database_url: str) -> None:
    found = by_check(diagnose(config_file(tmp_path, f'[storage]\ndatabase_url = "{database_url}"\n'), probes()))
    assert found["database"].status == "ok" and "answers" in found["database"].detail


def test_an_unwritable_embedding_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RELEVO_CACHE_DIR", str(blocker / "cache"))
    found = by_check(diagnose(None, probes()))["embeddings"]
    assert found.status == "fail" and "RELEVO_CACHE_DIR" in found.fix


def _unloadable() -> LlamaBuild | None:
    raise ConfigurationError("llama-cpp-python is installed but does not load: libggml-cpu.so: bad ELF")


@pytest.mark.parametrize(
    ("changes", "check", "detail"),
    [
        ({"llama": lambda: parse_llama_build("0.3.36", NATIVE)}, "llama.cpp", "AVX512, AVX512_VNNI, AMX_INT8"),
        ({"llama": lambda: None}, "llama.cpp", "not installed"),
        ({"llama": _unloadable}, "llama.cpp", "does not load"),
    ],
    ids=["native-llama", "no-llama", "llama-does-not-load"],
)
def test_dev_tool_failures(changes: dict[str, object], check: str, detail: str) -> None:
    found = by_check(diagnose(None, probes(**changes)))[check]
    assert found.status == "fail" and detail in found.detail and found.fix
    assert doctor(out=io.StringIO(), probes=probes(**changes)) == 1


def test_a_missing_chromium_is_skipped_not_failed_since_make_test_installs_it() -> None:
    changed = probes(chromium=Path("/nonexistent/chromium"))
    found = by_check(diagnose(None, changed))["chromium"]
    assert found.status == "skip" and "/nonexistent/chromium is missing" in found.detail
    assert "make browser" in found.fix
    assert doctor(out=io.StringIO(), probes=changed) == 0


def test_without_the_dev_tools_their_checks_are_skipped_not_failed() -> None:
    bare = probes(dev_installed=lambda: False, chromium=Path("/nonexistent"), llama=lambda: None)
    found = by_check(diagnose(None, bare))
    assert (found["chromium"].status, found["llama.cpp"].status) == ("skip", "skip")
    assert found["chromium"].fix == "make test"
    assert doctor(out=io.StringIO(), probes=bare) == 0


def test_json_output(tmp_path: Path) -> None:
    out = io.StringIO()
    path = config_file(tmp_path, '[models.agents]\ntriage = "openai/gpt-4o-mini"\n')
    assert doctor(path, as_json=True, out=out, probes=probes()) == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    failed = [f for f in report["findings"] if f["status"] == "fail"]
    assert [f["check"] for f in failed] == ["models"] and "OPENAI_API_KEY" in failed[0]["detail"]


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from relevo.cli import main

    path = config_file(tmp_path, '[models.agents]\nresolver = "openai/gpt-4o-mini"\n')
    assert main(["--config", str(path), "doctor"]) == 1
    assert "needs OPENAI_API_KEY" in capsys.readouterr().out
    assert main(["--config", str(config_file(tmp_path, "[models\n")), "doctor", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_the_desk_is_loaded_and_a_broken_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from relevo.cli import main
    from relevo.desks import init_desk

    init_desk(tmp_path / "acme", name="Acme")
    healthy = [f for f in diagnose(probes=probes(), desk=str(tmp_path / "acme")) if f.check == "desk"]
    assert healthy[0].status == "ok" and "acme" in healthy[0].detail

    article = tmp_path / "acme" / "kb" / "membership.en.md"
    article.write_text("---\ntitle: Membership\n---\nNo id or topic.\n", encoding="utf-8")
    broken = [f for f in diagnose(probes=probes(), desk=str(tmp_path / "acme")) if f.check == "desk"]
    assert broken[0].status == "fail"
    assert "membership.en.md" in broken[0].detail and "line" in broken[0].detail

    assert main(["--desk", str(tmp_path / "acme"), "doctor"]) == 1
    assert "FAIL  desk: " in capsys.readouterr().out
    missing = [f for f in diagnose(probes=probes(), desk=str(tmp_path / "nowhere")) if f.check == "desk"]
    assert missing[0].status == "fail" and "nowhere" in missing[0].detail
