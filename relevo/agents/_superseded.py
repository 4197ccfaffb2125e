"""Values a human superseded at hand-back, and whether a text restates one of them.

After a human hands a conversation back with facts they changed, the AI must use the new values and never
restate the ones they replaced. Values are compared by meaning, not spelling: dates by (month, day) in every
supported language ("2026-11-25", "Nov 25", "25 de noviembre", "25/11/2026", "ngày 25 tháng 11"), numbers and
amounts by value ("19.35", "€19,35"), and words case- and accent-folded on word boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from relevo.agents._guard import _NUMBER, _dates, _number  # pyright: ignore[reportPrivateUsage]
from relevo.contracts import Fact, SupersededValue, same_value

_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")

__all__ = ["Restatement", "restated_values", "same_meaning", "states_value", "superseded_by_humans"]


@dataclass(frozen=True)
class Restatement:
    """A superseded value a text restates: the fact as it holds now and the earlier value."""

    fact: Fact
    old: SupersededValue

    def __str__(self) -> str:
        by = self.fact.set_by or "a newer reading"
        return f"{self.fact.name} = {self.old.value!r} (superseded by {by}: {self.fact.value!r})"


def superseded_by_humans(facts: Iterable[Fact]) -> list[tuple[Fact, SupersededValue]]:
    """Every earlier value a human's hand-back replaced, with the fact as it holds now.

    These are the values before the last value a human set in each fact's history; one that means the same as
    the fact's current value is left out (saying the current value is never a contradiction).
    """
    out: list[tuple[Fact, SupersededValue]] = []
    for fact in facts:
        now = SupersededValue(value=fact.value, source=fact.source, set_by=fact.set_by, at=fact.at)
        timeline = [*fact.superseded, now]
        humans = [i for i, v in enumerate(timeline) if v.set_by]
        if not humans:
            continue
        seen: list[str] = []
        for old in timeline[: humans[-1]]:
            if same_meaning(old.value, fact.value) or any(same_value(old.value, s) for s in seen):
                continue
            seen.append(old.value)
            out.append((fact, old))
    return out


def restated_values(text: str, facts: Iterable[Fact]) -> list[Restatement]:
    """The values humans superseded (see :func:`superseded_by_humans`) that ``text`` states."""
    return [Restatement(fact, old) for fact, old in superseded_by_humans(facts) if states_value(text, old.value)]


def same_meaning(a: str, b: str) -> bool:
    """Whether two values mean the same: equal as text, or each states the other (same date, same numbers)."""
    return same_value(a, b) or (states_value(a, b) and states_value(b, a))


def states_value(text: str, value: str) -> bool:
    """Whether ``text`` states ``value``.

    A value with a date is stated by any date in the text with the same (month, day); a value with numbers by
    a text with every one of them (dates aside); any other value by its words, case- and accent-folded, on word
    boundaries. An empty value is never stated.
    """
    if not value.strip():
        return False
    value_dates, value_rest = _dates(value)
    text_dates, text_rest = _dates(text)
    if value_dates:
        wanted = [readings for _, readings in value_dates]
        found = [readings for _, readings in text_dates]
        return all(any(w & f for f in found) for w in wanted)
    numbers = _number_readings(value_rest)
    if numbers:
        present = {n for readings in _number_readings(text_rest) for n in readings}
        return all(readings & present for readings in numbers)
    words = _fold(value_rest).split()
    if not words:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, _fold(text)) is not None


def _number_readings(text: str) -> list[set[float]]:
    """Each number in ``text`` with its possible readings ("1.200": 1.2 or 1200)."""
    out: list[set[float]] = []
    for match in _NUMBER.finditer(text):
        readings: set[float] = set()
        value = _number(match.group())
        if value is not None:
            readings.add(round(value, 2))
        if _THOUSANDS.fullmatch(match.group()):
            readings.add(float(match.group().replace(",", "").replace(".", "")))
        if readings:
            out.append(readings)
    return out


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
