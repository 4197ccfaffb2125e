"""The framework knows no particular desk by meaning too: outside relevo/demo, no identifier, string or docstring
names the demo shop's business objects (its orders, shipments, compensation, brand or order-id format)."""

from __future__ import annotations

import ast
import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import relevo
from relevo.demo import BENCH, DATA_DIR, STORY, load_store_data
from relevo.desks import DEFAULT_DESK
from relevo.evals import ScriptedTurn, load_suites, named_suites

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


# -- the demo's data: its customers, products, orders and conversations ---------------------------------------
# The vocabulary above names the demo's kinds of objects; the demo's own records and conversations leak too when
# copied into the core (benchmark scripts, examples in docstrings). These are read from the demo itself, so a
# customer, product or scenario it adds is covered without touching this test.

GENERIC_PRODUCT_WORDS = frozenset({"keyboard", "speaker"})
"""Product nouns with a common sense in support text the core may use: what customers type on, who says a line."""


@dataclass(frozen=True)
class DemoData:
    """What identifies the demo's data: exact tokens (ids, names, carriers), id shapes, product nouns, and its
    conversations (each a sequence of customer messages)."""

    tokens: re.Pattern[str]
    id_shapes: re.Pattern[str]
    product_words: re.Pattern[str]
    conversations: tuple[tuple[str, ...], ...]


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _demo_conversations() -> list[tuple[str, ...]]:
    """Every conversation the demo scripts: its story's chapters, its benchmark conversations and its scenarios'
    scripted turns (all suites)."""
    scenarios = DATA_DIR / "scenarios"
    suites = load_suites([], scenarios=scenarios)
    for name in named_suites(scenarios):
        suites += load_suites([name], scenarios=scenarios)
    scripts = [chapter.script for chapter in STORY] + [conversation.messages for conversation in BENCH]
    for suite in suites:
        for scenario in suite.scenarios:
            scripts.append(tuple(t.say if isinstance(t, ScriptedTurn) else t for t in scenario.turns or ()))
    return [tuple(line for line in script if not line.startswith("/")) for script in scripts]


@functools.cache
def demo_data() -> DemoData:
    store = load_store_data()
    tokens = {
        *(value for c in store.customers for value in (c.id, c.name, c.email, c.phone)),
        *(value for p in store.products for value in (p.sku, p.name)),
        *(o.id for o in store.orders),
        *(value for s in store.shipments for value in (s.id, s.tracking_number, s.carrier)),
    }
    # The shape of each kind of id (C-1001 -> C-\d{4}): an invented customer "C-1099" is still the demo's.
    shapes = {
        f"{re.escape(prefix)}-\\d{{{len(digits)}}}"
        for record_id in (
            *(c.id for c in store.customers),
            *(o.id for o in store.orders),
            *(s.id for s in store.shipments),
        )
        for prefix, _, digits in [record_id.partition("-")]
    }
    nouns = {
        words[-1]
        for p in store.products
        if (words := re.findall(r"[a-z]+", p.name.split("(")[0].lower())) and len(words[-1]) > 3
    } - GENERIC_PRODUCT_WORDS
    return DemoData(
        tokens=re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, sorted(tokens, key=len, reverse=True)))})(?![\w-])"),
        id_shapes=re.compile(rf"(?<![\w-])(?:{'|'.join(sorted(shapes))})(?![\w-])"),
        product_words=re.compile(rf"\b(?:{'|'.join(sorted(nouns))})s?\b", re.IGNORECASE),
        conversations=tuple(c for c in _demo_conversations() if c),
    )


def _strings(node: ast.AST) -> list[str]:
    """The string literals directly in a tuple or list display (``("Hi", "where is it?")``)."""
    if isinstance(node, ast.Tuple | ast.List):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def demo_data_mentions(path: Path, data: DemoData) -> list[str]:
    """``line N: what`` for each of the demo's records (ids, names, products, carriers) in ``path``'s strings and
    each sequence of two messages of one demo conversation in a tuple or list of strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    pairs = {
        (_normalised(a), _normalised(b))
        for conversation in data.conversations
        for a, b in itertools.pairwise(conversation)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        for text in _words(node):
            found += [f"line {line}: demo record {m.group()!r}" for m in data.tokens.finditer(text)]
            found += [f"line {line}: demo id {m.group()!r}" for m in data.id_shapes.finditer(text)]
            found += [f"line {line}: demo product {m.group()!r}" for m in data.product_words.finditer(text)]
        messages = [_normalised(s) for s in _strings(node)]
        found += [
            f"line {line}: demo conversation {a!r} → {b!r}" for a, b in itertools.pairwise(messages) if (a, b) in pairs
        ]
    return sorted(set(found))


def test_no_core_module_carries_the_demo_data() -> None:
    data = demo_data()
    offenders = {
        path.relative_to(PACKAGE).as_posix(): found
        for path in _core_files()
        if (found := demo_data_mentions(path, data))
    }
    assert offenders == {}, (
        "the core carries the demo's data (customers, products, conversations); move it to relevo/demo"
    )


def test_the_data_scan_finds_records_ids_products_and_conversations(tmp_path: Path) -> None:
    data = demo_data()
    chapter = next(c for c in data.conversations if len(c) >= 2)
    probe = tmp_path / "probe.py"
    probe.write_text(
        f"A = {chapter[:2]!r}\n"  # 1: two messages of one demo conversation, in order
        "B = 'C-1001'\n"  # 2: a demo customer
        "C = 'C-1099'\n"  # 3: the demo's customer-id shape
        "D = 'my headphones never came'\n"  # 4: a demo product
        "E = 'Lumen Aura Wireless Headphones'\n"  # 5: a demo product's name
        "F = ('hi', 'thanks')\n"  # 6: short generic lines
        "G = 'a customer on a keyboard, the speaker of a line, C-10, ABC-1001'\n"  # 7: nothing of the demo
        f"H = {chapter[1::-1]!r}\n",  # 8: two messages, not in the demo's order
        encoding="utf-8",
    )
    lines = sorted({int(hit.split(":")[0].removeprefix("line ")) for hit in demo_data_mentions(probe, data)})
    assert lines == [1, 2, 3, 4, 5]


def test_no_core_module_branches_on_the_default_desk() -> None:
    """The default desk is where a command starts when none is named, never a case the core treats apart."""
    offenders: dict[str, list[int]] = {}
    for path in _core_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                (isinstance(x, ast.Name) and x.id == "DEFAULT_DESK")
                or (isinstance(x, ast.Attribute) and x.attr == "DEFAULT_DESK")
                or (isinstance(x, ast.Constant) and x.value == DEFAULT_DESK)
                for x in ast.walk(node)
            ):
                offenders.setdefault(path.relative_to(PACKAGE).as_posix(), []).append(node.lineno)
    assert offenders == {}
