"""The framework knows no particular desk: nothing in relevo outside relevo/demo imports the demo shop."""

from __future__ import annotations

import ast
from pathlib import Path

import relevo

PACKAGE = Path(relevo.__file__).parent

# Command-line and server entry points still default to the demo desk by name until the desk loader
# (relevo.load_desk / --desk) replaces these call sites; every other module is held to the rule.
ENTRY_POINTS_PENDING_THE_DESK_LOADER = {
    "_cli_commands.py",
    "bench/_llm_turn.py",
    "bench/_turn.py",
    "evals/_runner.py",
    "server/_runtime.py",
}


def _imports_demo(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("relevo.demo"):
            found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.startswith("relevo.demo")]
    return found


def test_no_core_module_imports_the_demo() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if "demo" not in path.relative_to(PACKAGE).parts
        and str(path.relative_to(PACKAGE)) not in ENTRY_POINTS_PENDING_THE_DESK_LOADER
        and (found := _imports_demo(path))
    }
    assert offenders == {}


def test_the_demo_imports_only_public_relevo_modules() -> None:
    private: dict[str, list[str]] = {}
    for path in sorted((PACKAGE / "demo").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("relevo"):
                parts = node.module.split(".")
                if parts[1:2] != ["demo"] and any(part.startswith("_") for part in parts):
                    private.setdefault(path.name, []).append(node.module)
    assert private == {}


def test_core_text_files_name_no_shop() -> None:
    shop_words = (
        "Lumen",
        "ORD-",
        "orders",
        "an order",
        "pedido",
        "deliver",
        "warranty",
        "refund",
        "shipment",
        "the store",
        "our store",
    )
    # What customers read and what models are told (guard.yaml holds promise-detection phrases, not replies).
    texts = [
        *(PACKAGE / "agents" / "texts" / f"{name}.yaml" for name in ("offline_replies", "status_words", "prompts")),
        PACKAGE / "_defaults" / "relevo.toml",
    ]
    leaks = {
        path.name: [word for word in shop_words if word.lower() in path.read_text(encoding="utf-8").lower()]
        for path in texts
    }
    assert {name: words for name, words in leaks.items() if words} == {}
