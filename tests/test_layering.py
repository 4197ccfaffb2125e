"""The framework knows no particular desk: nothing in relevo outside relevo/demo imports the demo shop."""

from __future__ import annotations

import ast
from pathlib import Path

import relevo

PACKAGE = Path(relevo.__file__).parent


def _imports_demo(path: Path) -> list[str]:
    """``line N: imports NAME`` for every absolute import of ``relevo.demo`` (or a module under it), in any form:
    ``import relevo.demo``, ``from relevo.demo import x``, ``from relevo import demo``, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found += [
            f"line {node.lineno}: imports {name}"
            for name in names
            if name == "relevo.demo" or name.startswith("relevo.demo.")
        ]
    return found


def test_no_core_module_imports_the_demo() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "demo" and (found := _imports_demo(path))
    }
    assert offenders == {}


def test_the_scan_finds_every_form_of_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import relevo.demo\nfrom relevo.demo import desk\nfrom relevo import demo\nimport relevo.demo._tools as t\n"
        "def f():\n    from relevo.demo._tools import lookup_order\n",
        encoding="utf-8",
    )
    lines = sorted({hit.split(":")[0] for hit in _imports_demo(probe)})
    assert lines == ["line 1", "line 2", "line 3", "line 4", "line 6"]


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
