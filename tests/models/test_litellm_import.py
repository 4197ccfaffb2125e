"""``import litellm`` costs seconds: a server pays it at start-up when an agent uses an LLM, and a command on
the offline engine never pays it. Each case runs in a fresh interpreter so ``sys.modules`` tells the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_OFFLINE_COMMANDS = """
import contextlib, io, json, sys
from relevo.cli import main
data, script = sys.argv[1], sys.argv[2]
codes = {}
for name, argv in {
    "triage": ["triage", "where is my order?", "¿dónde está mi pedido?", "cadê meu pedido?", "đơn hàng của tôi đâu?"],
    "demo": ["demo", "--json", "--data-dir", data + "/demo"],
    "chat": ["chat", "--script", script, "--data-dir", data + "/chat", "--json"],
}.items():
    with contextlib.redirect_stdout(io.StringIO()):
        codes[name] = main(argv)
print(json.dumps({"codes": codes, "litellm": sorted(m for m in sys.modules if m.split(".")[0] == "litellm")[:5]}))
"""

_SERVE_START = """
import json, sys
from pathlib import Path
from relevo._config import load_config
from relevo.channels import ChannelGateway
from relevo.server import ServeSettings, open_runtime
models = json.loads(sys.argv[2])
settings = ServeSettings(data_dir=Path(sys.argv[1]), demo_password="a-test-password-1", workers=1)
runtime = open_runtime(settings, config=load_config(overrides={"models": models}), gateway=ChannelGateway())
loaded = "litellm" in sys.modules
runtime.close()
print(json.dumps({"litellm": loaded}))
"""


def _run(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_offline_commands_never_import_litellm(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("where is my order ORD-1042?\nquiero hablar con una persona\n", encoding="utf-8")
    seen = _run(_OFFLINE_COMMANDS, str(tmp_path), str(script))
    assert seen == {"codes": {"triage": 0, "demo": 0, "chat": 0}, "litellm": []}


def test_serve_start_up_imports_litellm_only_when_an_agent_uses_a_model(tmp_path: Path) -> None:
    llm = {"agents": {"resolver": "openai/smollm2"}, "api_base": "http://127.0.0.1:9/v1"}
    assert _run(_SERVE_START, str(tmp_path / "llm"), json.dumps(llm)) == {"litellm": True}
    assert _run(_SERVE_START, str(tmp_path / "offline"), json.dumps({})) == {"litellm": False}
