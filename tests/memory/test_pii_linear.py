"""Redaction is linear in its input: no text, however hostile, costs more than a bounded amount per character.

Times are CPU time of this process (``time.process_time``), the best of a few runs, compared as a ratio between
two sizes: a quadratic detector takes 16x longer on 4x the text, a linear one 4x; the bound (8x) leaves room for
a busy machine. The one absolute bound (a megabyte in under 3 s of CPU) is about four times what the slowest shape
takes on the idle 2-core reference machine (dashed digits 0.81 s, one long word 0.42 s, 2026-12-01); the old
backtracking email pattern took 2.5 s on 16,000 characters, so a regression would take minutes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from relevo.memory import find_pii


def _digit_groups(size: int, width: int) -> str:
    rng = random.Random(width)
    groups = ("".join(rng.choice("0123456789") for _ in range(width)) for _ in range(size // (width + 1) + 1))
    return " ".join(groups)[:size]


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


_SENTENCE = (
    "Hola, soy María (maria.silva@example.com), pedido ORD-1042 de €19,35 del 02/03/2026 a las 10:30. "
    "Llámame al +34 612 345 678. IBAN ES91 2100 0418 4502 0005 1332, tarjeta 4111 1111 1111 1111 12/27. "
)

HOSTILE: dict[str, Callable[[int], str]] = {
    "one long word": _repeat("a"),
    "one long number": _repeat("1"),
    "dashed digits": _repeat("1-"),
    "card-like blocks": _repeat("4111-"),
    "spaced card blocks": _repeat("4111 "),
    "at signs": _repeat("a@"),
    "dotted labels": lambda size: "a@" + _repeat("a.")(size - 2),
    "iban starts": _repeat("PT50 "),
    "plus signs": _repeat("+1 "),
    "brackets": _repeat("(1) "),
    "random two-digit groups": lambda size: _digit_groups(size, 2),
    "random three-digit groups": lambda size: _digit_groups(size, 3),
    "realistic text": _repeat(_SENTENCE),
}

_MEGABYTE_CPU_S = 3.0
"""See the module docstring: about four times the slowest shape on the idle reference machine."""

SINGLE_TOKENS = ["one long word", "one long number", "dashed digits", "card-like blocks", "at signs", "dotted labels"]


def _cpu(text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        find_pii(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_four_times_the_text_costs_about_four_times_the_work(shape: str) -> None:
    small, large = HOSTILE[shape](16_000), HOSTILE[shape](64_000)
    ratio = _cpu(large) / max(_cpu(small), 1e-3)
    assert ratio < 8, f"{shape}: 64k took {ratio:.1f}x the time of 16k (linear: 4x, quadratic: 16x)"


@pytest.mark.parametrize("shape", SINGLE_TOKENS)
def test_a_megabyte_single_token_is_scanned_within_a_few_seconds_of_cpu(shape: str) -> None:
    assert _cpu(HOSTILE[shape](1_000_000), runs=1) < _MEGABYTE_CPU_S
