"""Agent texts (reply templates, prompts) live as package data files and render through one function."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from string import Formatter

import yaml

from relevo._errors import ConfigurationError

__all__ = ["format_date", "render_from", "render_text", "word"]

_DIR = Path(__file__).parent / "texts"
_FALLBACK = "en"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.cache
def _book(name: str) -> dict[str, dict[str, str]]:
    path = _DIR / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read text file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} must map keys to per-language texts")
    return {str(k): {str(lang): str(text) for lang, text in v.items()} for k, v in data.items()}  # pyright: ignore


def _template(book: str, key: str, language: str) -> str:
    entry = _book(book).get(key)
    if entry is None:
        raise ConfigurationError(f"no text {key!r} in {book}.yaml")
    return entry.get(language) or entry[_FALLBACK]


def render_text(key: str, language: str, /, **values: object) -> str:
    """Render the offline resolver's reply template ``key`` in ``language`` (see :func:`render_from`)."""
    return render_from("offline_replies", key, language, **values)


def render_from(book: str, key: str, language: str, /, **values: object) -> str:
    """Render the template ``key`` of the text file ``book`` in ``language`` (falling back to English).

    Values are inserted as data: braces inside them are never interpreted.

    Raises:
        ConfigurationError: the key does not exist or the template names a value that was not given.
    """
    template = _template(book, key, language)
    needed = {field for _, field, _, _ in Formatter().parse(template) if field}
    missing = needed - values.keys()
    if missing:
        raise ConfigurationError(f"text {key!r} needs {sorted(missing)}")
    return template.format_map({name: str(values[name]) for name in needed})


def word(key: str, language: str) -> str:
    """A single translated word or phrase (statuses, tiers, queue names)."""
    entry = _book("status_words").get(key)
    if entry is None:
        return key.replace("_", " ")
    return entry.get(language) or entry[_FALLBACK]


def format_date(day: date, language: str) -> str:
    """A short, unambiguous date in the customer's language."""
    if language == "en":
        return f"{_MONTHS_EN[day.month - 1]} {day.day}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
