"""The framework knows no particular desk by meaning too: outside relevo/demo, no identifier, string or docstring
names the demo shop's business objects (its orders, shipments, compensation, brand or order-id format)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import relevo

PACKAGE = Path(relevo.__file__).parent

DEMO_VOCABULARY = re.compile(r"order_id|shipment|compensation|lumen|(?-i:ORD-\d)", re.IGNORECASE)
"""The demo shop's words: its order-id fact and format, its shipments, its delay compensation, its brand."""

ALLOWED: dict[str, tuple[str, ...]] = {
    # file -> the exact identifiers or strings that may name a demo word there, each for a reason.
    # The scenario loader names the key an older scenario format had (``simulate: {order_id: ...}``) in the error
    # telling its users what replaces it.
    "evals/_scenario.py": (
        "order_id",
        "answers: {order_id: VALUE} (the value given when the AI asks for that fact)",
    ),
}


def _words(node: ast.AST) -> list[str]:
    """The identifiers and string literals one syntax node carries (comments are not in the tree)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg is not None:
        return [node.arg]
    if isinstance(node, ast.alias):
        return [node.name, node.asname or ""]
    return []


def demo_words(path: Path, allowed: tuple[str, ...] = ()) -> list[str]:
    """``line N: 'word' in 'context'`` for every demo word in ``path``'s identifiers, strings and docstrings,
    except in the texts ``allowed`` (exact)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        for text in _words(node):
            if text in allowed:
                continue
            for match in DEMO_VOCABULARY.finditer(text):
                context = text[max(0, match.start() - 30) : match.end() + 30]
                found.append(f"line {getattr(node, 'lineno', '?')}: {match.group()!r} in {context!r}")
    return found


def _core_files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] != "demo"]


def test_no_core_module_names_the_demo_shop() -> None:
    offenders = {
        name: found
        for path in _core_files()
        if (found := demo_words(path, ALLOWED.get(name := path.relative_to(PACKAGE).as_posix(), ())))
    }
    assert offenders == {}, "the core names the demo's business objects; move them to relevo/demo"


def test_every_allowed_text_is_still_there() -> None:
    stale = {
        name: [text for text in texts if not (PACKAGE / name).exists() or text not in _all_words(PACKAGE / name)]
        for name, texts in ALLOWED.items()
    }
    assert {name: texts for name, texts in stale.items() if texts} == {}, "remove these from ALLOWED"


def _all_words(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {text for node in ast.walk(tree) for text in _words(node)}


def test_the_scan_finds_every_kind_of_mention(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        '"""Offers compensation."""\n'  # 1: docstring
        "def lookup(order_id: str) -> None:\n"  # 2: argument
        "    shipment_status = 1\n"  # 3: name
        "    call(ref=f'x {order_id}')\n"  # 4: keyword value in an f-string (a Name inside)
        "    self.shipment = 'Lumen & Co'\n"  # 5: attribute, string
        "    call(order_id=2)\n"  # 6: keyword
        "    x = 'ORD-1042'  # an order, a shipment\n"  # 7: string; the comment is not code
        "    y = 'ord-form, ordinal, border'\n",  # 8: no demo word
        encoding="utf-8",
    )
    lines = sorted({int(hit.split(":")[0].removeprefix("line ")) for hit in demo_words(probe)})
    assert lines == [1, 2, 3, 4, 5, 6, 7]
    assert not any("'ORD-1042'" in hit and "an order" in hit for hit in demo_words(probe))
    allowed = sorted({int(hit.split(":")[0].removeprefix("line ")) for hit in demo_words(probe, ("ORD-1042",))})
    assert allowed == [1, 2, 3, 4, 5, 6]
