"""``relevo init DIR``: a small runnable desk to start from (a coworking space; any domain works the same)."""

from __future__ import annotations

import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from relevo._errors import BadInputError

__all__ = ["init_desk"]

_FORMATTED = {"desk.toml.txt": "desk.toml", "tools.py.txt": "tools.py"}


def init_desk(directory: Path, *, name: str | None = None) -> list[Path]:
    """Write a desk folder (desk.toml, intents.yaml, kb/, customers.yaml, tools.py, scenarios/) into
    ``directory`` and return the files written.

    Args:
        directory: a new or empty folder.
        name: the brand; default: the folder's name in title case ("acme" -> "Acme").

    Raises:
        BadInputError: ``directory`` exists and is not an empty folder, or ``name`` is empty or has quotes.
    """
    brand = (name or _brand(directory)).strip()
    if not brand or re.search(r"[\"\\{}\n]", brand):
        raise BadInputError(f"desk name {brand!r} must be non-empty, one line, without quotes or braces")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BadInputError(f"{directory} already exists and is not an empty folder; pick a new one")
    template = resources.files("relevo.desks") / "template"
    written: list[Path] = []
    _copy(template, directory, brand, written)
    return sorted(written)


def _copy(source: Traversable, target: Path, brand: str, written: list[Path]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.is_dir():
            _copy(item, target / item.name, brand, written)
            continue
        text = item.read_text(encoding="utf-8")
        name = _FORMATTED.get(item.name, item.name)
        if item.name in _FORMATTED:
            text = text.format(name=brand)
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)


def _brand(directory: Path) -> str:
    words = re.split(r"[-_\s]+", directory.resolve().name)
    return " ".join(word[:1].upper() + word[1:] for word in words if word)
