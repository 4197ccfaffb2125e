"""Agent texts (reply templates, prompts) live as package data files and render through one function."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from string import Formatter

import yaml

from relevo._errors import ConfigurationError
from relevo.contracts import DeskProfile

__all__ = ["ReplyTexts", "format_date", "render_from", "render_text", "word"]

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


class ReplyTexts:
    """A desk's customer-facing reply texts: the built-in templates, its overrides, its name and scope.

    Every template may use ``{desk_name}`` and ``{scope}``: the :class:`DeskProfile`'s name and scope in the reply's
    language (``DeskProfile.name_in``, ``scope_in``). A desk overrides a built-in template, or adds its own keys,
    through ``DeskProfile.texts`` (key -> language -> template).
    Lookup: the override in the customer's language, the built-in one, the override in English, the built-in
    English one.
    """

    def __init__(self, profile: DeskProfile | None = None) -> None:
        self.profile = profile or DeskProfile()

    def has(self, key: str) -> bool:
        """Whether ``key`` is a built-in template or one of the desk's own."""
        return key in self.profile.texts or key in _book("offline_replies")

    def template(self, key: str, language: str) -> str:
        """The raw template ``key`` in ``language``.

        Raises:
            ConfigurationError: neither the desk nor relevo has a text ``key``.
        """
        own = self.profile.texts.get(key, {})
        builtin = _book("offline_replies").get(key, {})
        for candidate in (own.get(language), builtin.get(language), own.get(_FALLBACK), builtin.get(_FALLBACK)):
            if candidate:
                return candidate
        raise ConfigurationError(f"no reply text {key!r}: add it to the desk's texts (DeskProfile.texts)")

    def render(self, key: str, language: str, /, **values: object) -> str:
        """Render reply ``key`` in ``language`` with ``values`` plus the desk's ``desk_name`` and ``scope``.

        Raises:
            ConfigurationError: the key does not exist or the template names a value that was not given.
        """
        given: dict[str, object] = {
            "desk_name": self.profile.name_in(language),
            "scope": self.profile.scope_in(language),
            **values,
        }
        return _fill(key, self.template(key, language), given)

    def word(self, key: str, language: str) -> str:
        """A single word or phrase in ``language`` (a status, a tier, a queue name): the desk's own text
        ``key`` if it has one, else relevo's, else the key with spaces for underscores."""
        own = self.profile.texts.get(key, {})
        if own:
            return own.get(language) or own.get(_FALLBACK) or next(iter(own.values()))
        return word(key, language)


_NEUTRAL = ReplyTexts()


def render_text(key: str, language: str, /, **values: object) -> str:
    """Render the built-in reply template ``key`` in ``language`` for a neutral desk (see :class:`ReplyTexts`)."""
    return _NEUTRAL.render(key, language, **values)


def render_from(book: str, key: str, language: str, /, **values: object) -> str:
    """Render the template ``key`` of the text file ``book`` in ``language`` (falling back to English).

    Values are inserted as data: braces inside them are never interpreted.

    Raises:
        ConfigurationError: the key does not exist or the template names a value that was not given.
    """
    return _fill(key, _template(book, key, language), values)


def _fill(key: str, template: str, values: dict[str, object]) -> str:
    try:
        needed = {field for _, field, _, _ in Formatter().parse(template) if field}
    except ValueError as exc:
        raise ConfigurationError(f"text {key!r} is not a valid template: {exc}") from exc
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
