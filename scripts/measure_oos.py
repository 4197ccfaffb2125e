"""Measure out-of-scope detection of :class:`IntentClassifier` on two proxies built from the data we have.

Usage::

    .venv/bin/python scripts/measure_oos.py                      # both proxies, 10 examples per intent
    .venv/bin/python scripts/measure_oos.py --shots 10 --seed 1

Proxies (no held-out out-of-scope benchmark ships with relevo):

- **banking77 <- bitext**: a catalog of the 77 Banking77 intents (``--shots`` training texts each, the label
  name as a description); in scope: the Banking77 test split; out of scope: the Bitext customer-support test
  utterances (orders, accounts, shipping: none of them a banking intent).
- **bitext <- banking77**: the reverse, a catalog of the 27 Bitext intents; in scope: the Bitext test split;
  out of scope: the Banking77 test split.

For each, with the learned similarity floor alone and with the calibrated rule (similarity floor plus the
confidence floor learned by leave-one-out, see ``IntentClassifier.fit(oos_budget=...)``):

- ``accuracy``: in-scope accuracy when a flagged in-scope text counts as wrong;
- ``lost``: accuracy without flagging minus ``accuracy`` (what out-of-scope detection costs);
- ``oos_recall``: the share of out-of-scope texts flagged.

Nothing is tuned on these figures: thresholds come from the training texts only. The data lives outside
the repository (``../shared/evaldata``, Banking77 CC-BY-4.0, Bitext CDLA-Sharing-1.0); pass ``--data``.
Embeddings are cached in a scratch SQLite file (``--cache``).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from relevo.models.offline import E5Embedder, IntentClassifier

_DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
_DEFAULT_CACHE = Path("/tmp/relevo_b77/e5cache.sqlite")


def _read(path: Path, text: str, label: str) -> tuple[list[str], list[str]]:
    if not path.is_file():
        raise SystemExit(f"{path} is missing: pass --data pointing at the evaldata folder")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row[text] for row in rows], [row[label] for row in rows]


def _shots(texts: Sequence[str], labels: Sequence[str], shots: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).append(text)
    out_texts: list[str] = []
    out_labels: list[str] = []
    for label in sorted(by_label):
        items = by_label[label]
        chosen = items if len(items) <= shots else rng.sample(items, shots)
        out_texts += chosen
        out_labels += [label] * len(chosen)
    return out_texts, out_labels


def _proxy(
    name: str,
    embedder: E5Embedder,
    train: tuple[list[str], list[str]],
    test: tuple[list[str], list[str]],
    outside: list[str],
    budget: float,
) -> None:
    texts, labels = train
    names = {label: [label.replace("_", " ")] for label in set(labels)}
    classifier = IntentClassifier.fit(embedder, texts, labels, descriptions=names, oos_budget=budget)
    inside = classifier.predict_vectors(embedder.embed(test[0], "query", persist=True), texts=test[0])
    away = classifier.predict_vectors(embedder.embed(outside, "query", persist=True), texts=outside)
    plain = sum(p.label == y for p, y in zip(inside, test[1], strict=True)) / len(inside)
    print(f"{name}: train={len(texts)} in-scope={len(inside)} out-of-scope={len(away)} accuracy={plain:.4f}")
    print(
        f"  floors: similarity {classifier.similarity_floor:.4f}, confidence {classifier.confidence_floor:.4f} "
        f"(budget {budget:.3f})"
    )
    rules = {
        "similarity floor only": lambda p: p.nearest_similarity < classifier.similarity_floor,
        "calibrated (similarity + confidence)": classifier.is_out_of_scope,
    }
    for rule, flagged in rules.items():
        accuracy = sum(p.label == y and not flagged(p) for p, y in zip(inside, test[1], strict=True)) / len(inside)
        recall = sum(1 for p in away if flagged(p)) / len(away)
        print(f"  {rule:38s} accuracy={accuracy:.4f} lost={plain - accuracy:.4f} oos_recall={recall:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=_DEFAULT_CACHE)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=0.01, help="in-scope accuracy the floors may cost")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N rows of each test split")
    args = parser.parse_args(argv)

    b77_train = _read(args.data / "banking77" / "train.csv", "text", "category")
    b77_test = _read(args.data / "banking77" / "test.csv", "text", "category")
    bitext_train = _read(args.data / "bitext_customer_support" / "train.csv", "utterance", "intent")
    bitext_test = _read(args.data / "bitext_customer_support" / "test.csv", "utterance", "intent")
    if args.limit is not None:
        b77_test = (b77_test[0][: args.limit], b77_test[1][: args.limit])
        bitext_test = (bitext_test[0][: args.limit], bitext_test[1][: args.limit])
    embedder = E5Embedder(args.cache, memory_items=16_384)

    _proxy(
        "banking77 <- bitext",
        embedder,
        _shots(*b77_train, args.shots, args.seed),
        b77_test,
        bitext_test[0],
        args.budget,
    )
    _proxy(
        "bitext <- banking77",
        embedder,
        _shots(*bitext_train, args.shots, args.seed),
        bitext_test,
        b77_test[0],
        args.budget,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
