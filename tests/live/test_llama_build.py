"""A natively built llama-cpp-python (-march=native) traps with SIGILL on virtual machines whose CPU advertises
instructions it cannot run: the live tier refuses it up front, naming the flags and the rebuild command."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo._errors import ConfigurationError
from relevo.testing import LocalLLMServer
from relevo.testing import _local_llm as local_llm
from relevo.testing._local_llm import LlamaBuild, parse_llama_build

PORTABLE = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
NATIVE = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
    "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


@pytest.mark.parametrize(
    ("info", "native"),
    [
        (PORTABLE, []),
        (NATIVE, ["AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AVX_VNNI", "AMX_INT8"]),
        (PORTABLE + "AVX512 = 0 | AMX_INT8 = 0 | ", []),
        ("CPU : SSE3 = 1 | AVX512 = 1 | ", ["AVX512"]),
        ("", []),
    ],
    ids=["portable", "native", "flags-off", "avx512-only", "empty"],
)
def test_native_only_flags_are_read_from_the_system_info(info: str, native: list[str]) -> None:
    assert parse_llama_build("0.3.36", info).native_only == native


def test_a_build_dispatching_at_run_time_is_portable_whatever_it_reports() -> None:
    assert parse_llama_build("0.3.36", NATIVE, runtime_dispatch=True).native_only == []


def test_the_server_refuses_a_native_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def native() -> LlamaBuild:
        return parse_llama_build("0.3.36", NATIVE)

    monkeypatch.setattr(local_llm, "llama_build", native)
    server = LocalLLMServer(tmp_path / "model.gguf")
    with pytest.raises(ConfigurationError, match=r"built for this CPU only \(AVX512.*make install-dev"):
        server.start()
    assert server.port == 0, "nothing was started"


def test_the_installed_build_is_portable() -> None:
    build = local_llm.llama_build()
    if build is None:
        pytest.skip("llama-cpp-python is not installed (make test installs it)")
    build.check_portable()
