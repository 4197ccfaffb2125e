"""Measure :class:`IntentClassifier` on Banking77 (77 labels), few-shot or on the full training set.

Usage::

    .venv/bin/python scripts/measure_intents.py --shots 10 --seed 0     # 10 examples per label
    .venv/bin/python scripts/measure_intents.py                         # the full training set

Each label's name in words is taught as a description (``--no-label-names`` to leave it out).
Sampling (reproducible): ``rng = random.Random(seed)``; for each label in sorted order,
``rng.sample(texts_of_label, shots)`` (all of them when a label has fewer). Hyperparameters are chosen by
leave-one-out on the sampled training texts only; the test split is scored once.

Embedding 13k texts takes minutes, so vectors are kept in a scratch SQLite cache (``--cache``, default under
/tmp). The data lives outside the repository (``../shared/evaldata/banking77``); pass ``--data`` to point
elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

from relevo.models.offline import E5Embedder, IntentClassifier

_DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata" / "banking77"
_DEFAULT_CACHE = Path("/tmp/relevo_b77/e5cache.sqlite")


def _read(path: Path) -> tuple[list[str], list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["category"] for row in rows]


def sample_shots(texts: list[str], labels: list[str], shots: int, seed: int) -> tuple[list[str], list[str]]:
    """``shots`` texts per label: labels in sorted order, ``random.Random(seed).sample`` within each."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=None, help="examples per label (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=_DEFAULT_CACHE)
    parser.add_argument("--no-label-names", action="store_true", help="do not teach each label's name as a description")
    args = parser.parse_args(argv)

    train_texts, train_labels = _read(args.data / "train.csv")
    test_texts, test_labels = _read(args.data / "test.csv")
    if args.shots is not None:
        train_texts, train_labels = sample_shots(train_texts, train_labels, args.shots, args.seed)

    embedder = E5Embedder(args.cache, memory_items=len(train_texts) + len(test_texts) + 16)
    started = time.perf_counter()
    embedder.embed(train_texts, "query", persist=True)
    test_vectors = embedder.embed(test_texts, "query", persist=True)
    embedded = time.perf_counter()
    # A label's name in words ("card_arrival" -> "card arrival") is training-side knowledge, like a catalog's
    # intent description.
    names = {} if args.no_label_names else {label: [label.replace("_", " ")] for label in set(train_labels)}
    classifier = IntentClassifier.fit(embedder, train_texts, train_labels, descriptions=names)
    fitted = time.perf_counter()
    predictions = classifier.predict_vectors(test_vectors, texts=test_texts)
    predicted = time.perf_counter()

    correct = sum(p.label == label for p, label in zip(predictions, test_labels, strict=True))
    shots = "all" if args.shots is None else str(args.shots)
    print(f"banking77 shots={shots} seed={args.seed} train={len(train_texts)} test={len(test_texts)}")
    print(f"accuracy={correct / len(test_labels):.4f} loo_accuracy={classifier.training_accuracy_loo:.4f}")
    print(
        f"embed/load {embedded - started:.1f}s  fit {fitted - embedded:.2f}s  "
        f"predict {1e3 * (predicted - fitted) / len(test_texts):.3f} ms/text (embedding excluded)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
