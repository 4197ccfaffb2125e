"""One writer per embedded data directory: a second server, or an erasure while a server runs, is refused at
start with a clear message (never a server that silently drops messages); the lock goes with the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from serve_harness import serve_settings

from relevo._config import load_config
from relevo._data_dir_lock import DataDirLock
from relevo._errors import StorageError
from relevo.channels import ChannelGateway
from relevo.cli import main
from relevo.orchestrator import RunContext
from relevo.server import open_runtime

_SECOND_PROCESS = """
import sys
from pathlib import Path
from relevo._errors import StorageError
from relevo._data_dir_lock import DataDirLock
try:
    DataDirLock(Path(sys.argv[1]))
except StorageError as exc:
    print(exc)
    sys.exit(3)
sys.exit(0)
"""


def _second_process(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS, str(data_dir)], capture_output=True, text=True, timeout=60
    )


def test_a_second_server_on_the_same_data_dir_is_refused_at_start(
    tmp_path: Path, run_context: RunContext, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    settings = serve_settings(data_dir)
    first = open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway.from_env({}))
    try:
        second = _second_process(data_dir)
        assert second.returncode == 3, second.stderr
        assert f"the data directory {data_dir} is in use by relevo serve (pid " in second.stdout
        assert "RELEVO_DATABASE_URL and RELEVO_CHROMA_URL" in second.stdout, "the message says what to do instead"
        with pytest.raises(StorageError, match=r"in use by relevo serve \(pid \d+\)"):
            open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway.from_env({}))
        assert main(["memory", "forget", "C-1001", "--data-dir", str(data_dir)]) == 1
        assert "relevo memory forget: the data directory" in capsys.readouterr().err
        script = tmp_path / "script.txt"
        script.write_text("hello\n")
        assert main(["chat", "--script", str(script), "--data-dir", str(data_dir)]) == 1
        assert "relevo chat: the data directory" in capsys.readouterr().err
    finally:
        first.close()
    assert _second_process(data_dir).returncode == 0, "a stopped server releases the directory"


def test_scale_out_needs_no_lock_and_the_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    assert DataDirLock.needed("", "") and DataDirLock.needed("postgresql://db", "")
    assert DataDirLock.needed("", "http://chroma:8000")
    assert not DataDirLock.needed("postgresql://db", "http://chroma:8000")
    lock = DataDirLock(tmp_path)
    lock.release()
    lock.release()  # idempotent
    DataDirLock(tmp_path).release()
