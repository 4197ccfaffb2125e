"""Measure ``detect_human_request`` on the Bitext explicit-human-request set.

Usage::

    .venv/bin/python scripts/measure_human_request.py                   # dev only, with its errors
    .venv/bin/python scripts/measure_human_request.py --split test      # held-out figures (no sentences)
    .venv/bin/python scripts/measure_human_request.py --split all

Tune on ``dev`` only: the script prints the misclassified sentences for ``dev`` and never for other splits.
The data lives outside the repository (``../shared/evaldata``, CDLA-Sharing-1.0); pass ``--data`` to point
elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

from relevo.models.offline._cues import detect_human_request

_DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "evaldata"
    / "bitext_escalation"
    / "explicit_human_request_bitext.csv"
)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    args = parser.parse_args(argv)

    with args.data.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if args.split == "all" or row["split"] == args.split]

    counts: Counter[str] = Counter()
    hard_negative_hits = 0
    hard_negatives = 0
    errors: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    for row in rows:
        predicted = detect_human_request(row["utterance"], "en") is not None
        actual = row["label_escalate_human"] == "1"
        counts[("t" if predicted == actual else "f") + ("p" if predicted else "n")] += 1
        if row["intent"] == "contact_customer_service":
            hard_negatives += 1
            hard_negative_hits += predicted
        if predicted != actual:
            errors.append(("FP" if predicted else "FN", row["intent"], row["utterance"]))
    elapsed = time.perf_counter() - started

    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    print(f"split={args.split} rows={len(rows)} positives={tp + fn}")
    print(f"tp={tp} fp={fp} fn={fn} tn={counts['tn']}")
    print(f"precision={precision:.4f} recall={recall:.4f}")
    print(f"hard negatives (contact_customer_service) flagged: {hard_negative_hits}/{hard_negatives}")
    print(f"mean time per call: {1e6 * elapsed / max(1, len(rows)):.1f} µs")
    if args.split == "dev":
        for kind, intent, utterance in errors:
            print(f"{kind} [{intent}] {utterance}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
