"""Out-of-scope detection measured on a proxy built from labelled datasets: each one's utterances are
out-of-scope traffic for a catalog learned from another.

No public out-of-scope benchmark needs to ship with relevo: two intent datasets from unrelated domains
(Banking77 and the Bitext customer-support set) give one in both directions. For each dataset in turn, a
catalog is learned from its training split (``shots`` per label, or all of it); in-scope traffic is its test
split, out-of-scope traffic is the test split of every other dataset. Two rules are scored:

- ``similarity floor``: the nearest training example is less similar than the learned similarity floor;
- ``calibrated``: that, or the calibrated confidence is below the confidence floor learned by leave-one-out
  (:meth:`IntentClassifier.is_out_of_scope`, what triage applies to every message).

Both floors come from the training texts only: nothing here is tuned on the figures it prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from relevo._errors import BadInputError
from relevo.evals._datasets import embed_batches, fit_dataset_classifier, read_labelled_csv, sample_shots
from relevo.evals._progress import Progress
from relevo.models.offline import E5Embedder, Embedder, IntentClassifier, IntentPrediction

__all__ = ["OutOfScopeDataset", "OutOfScopeProxy", "OutOfScopeRule", "evaluate_out_of_scope", "parse_oos_dataset"]

_COLUMN = re.compile(r"^[\w\-]+$")


@dataclass(frozen=True)
class OutOfScopeDataset:
    """A folder holding ``train.csv`` and ``test.csv``, and the label column to read (None: auto)."""

    folder: Path
    label_column: str | None = None

    @property
    def name(self) -> str:
        return self.folder.name


def parse_oos_dataset(spec: str) -> OutOfScopeDataset:
    """``DIR`` or ``DIR:COLUMN`` (``bitext_customer_support:intent``) as a dataset.

    Raises:
        BadInputError: the folder lacks ``train.csv`` or ``test.csv``.
    """
    folder, column = Path(spec), None
    head, sep, tail = spec.rpartition(":")
    if sep and head and _COLUMN.match(tail) and not folder.is_dir():
        folder, column = Path(head), tail
    for split in ("train.csv", "test.csv"):
        if not (folder / split).is_file():
            raise BadInputError(f"{folder / split} is missing: a dataset is a folder with train.csv and test.csv")
    return OutOfScopeDataset(folder, column)


@dataclass(frozen=True)
class OutOfScopeRule:
    """What one out-of-scope rule costs and catches."""

    accuracy: float
    """In-scope accuracy when a flagged in-scope text counts as wrong."""
    lost_points: float
    """In-scope accuracy without flagging minus ``accuracy``, in percentage points."""
    in_scope_flagged: float
    """Share of in-scope texts flagged (right or wrong)."""
    oos_recall: float
    """Share of out-of-scope texts flagged."""

    def as_json(self) -> dict[str, float]:
        return {
            "accuracy": round(self.accuracy, 4),
            "lost_points": round(self.lost_points, 2),
            "in_scope_flagged": round(self.in_scope_flagged, 4),
            "oos_recall": round(self.oos_recall, 4),
        }


@dataclass(frozen=True)
class OutOfScopeProxy:
    """One direction of the proxy: a catalog from ``catalog``, out-of-scope traffic from ``outside``."""

    catalog: str
    outside: tuple[str, ...]
    n_train: int
    n_in_scope: int
    n_out_of_scope: int
    accuracy: float
    """In-scope accuracy with nothing flagged."""
    similarity_floor: float
    confidence_floor: float
    floor_only: OutOfScopeRule
    calibrated: OutOfScopeRule

    def as_json(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog,
            "outside": list(self.outside),
            "n_train": self.n_train,
            "n_in_scope": self.n_in_scope,
            "n_out_of_scope": self.n_out_of_scope,
            "accuracy": round(self.accuracy, 4),
            "similarity_floor": round(self.similarity_floor, 4),
            "confidence_floor": round(self.confidence_floor, 4),
            "similarity_floor_only": self.floor_only.as_json(),
            "calibrated": self.calibrated.as_json(),
        }


@dataclass(frozen=True)
class _Split:
    texts: list[str]
    labels: list[str]
    vectors: Any = None


def evaluate_out_of_scope(
    datasets: Sequence[OutOfScopeDataset],
    *,
    shots: int | None = 10,
    seed: int = 0,
    limit: int | None = None,
    oos_budget: float = 0.01,
    progress: TextIO | None = None,
    embedder: Embedder | None = None,
) -> list[OutOfScopeProxy]:
    """Score out-of-scope detection with each dataset as the catalog and the others' test texts as traffic.

    Args:
        datasets: at least two, from unrelated domains (shared intents would count as misses).
        shots: training texts per label (seeded sample), None for the whole training split.
        seed: the sample's seed.
        limit: read only the first ``limit`` rows of each test split.
        oos_budget: passed to :meth:`IntentClassifier.fit`: the in-scope accuracy the confidence floor may
            cost on the training texts (leave-one-out), as a share.
        progress: where the embedding progress line goes (None: silent).
        embedder: the sentence embedder (default: e5 in memory only, dataset text never reaches a disk cache).

    Raises:
        BadInputError: fewer than two datasets, a bad ``shots``/``limit``, or a missing column.
    """
    if len(datasets) < 2:
        raise BadInputError(
            "out-of-scope proxies need at least two datasets: each one's texts are out of scope for another"
        )
    if shots is not None and shots < 1:
        raise BadInputError("--shots must be at least 1")
    if limit is not None and limit < 1:
        raise BadInputError("--limit must be at least 1")
    trains: list[_Split] = []
    tests: list[_Split] = []
    for dataset in datasets:
        texts, labels = read_labelled_csv(dataset.folder / "train.csv", label_column=dataset.label_column)
        if shots is not None:
            texts, labels = sample_shots(texts, labels, shots, seed)
        trains.append(_Split(texts, labels))
        texts, labels = read_labelled_csv(dataset.folder / "test.csv", label_column=dataset.label_column)
        tests.append(_Split(texts[:limit], labels[:limit]))
    total = sum(len(s.texts) for s in (*trains, *tests))
    # Dataset text stays in memory: only catalog and knowledge-base text goes to the disk cache.
    if embedder is None:
        embedder = E5Embedder(None, memory_items=max(len(s.texts) for s in trains) + 16)
    bar = Progress("embedding", total, progress, unit="texts")
    tests = [_Split(s.texts, s.labels, embed_batches(embedder, s.texts, bar)) for s in tests]
    results: list[OutOfScopeProxy] = []
    for i, dataset in enumerate(datasets):
        embed_batches(embedder, trains[i].texts, bar)
        classifier, _ = fit_dataset_classifier(embedder, trains[i].texts, trains[i].labels, oos_budget=oos_budget)
        inside = classifier.predict_vectors(tests[i].vectors, tests[i].texts)
        others = [s for j, s in enumerate(tests) if j != i]
        away = [p for s in others for p in classifier.predict_vectors(s.vectors, s.texts)]
        results.append(
            _score(dataset.name, datasets, i, classifier, inside, tests[i].labels, away, len(trains[i].texts))
        )
    bar.finish()
    return results


def _score(
    name: str,
    datasets: Sequence[OutOfScopeDataset],
    index: int,
    classifier: IntentClassifier,
    inside: list[IntentPrediction],
    labels: list[str],
    away: list[IntentPrediction],
    n_train: int,
) -> OutOfScopeProxy:
    right = np.array([p.label == y for p, y in zip(inside, labels, strict=True)], dtype=bool)
    accuracy = float(right.mean()) if right.size else 0.0

    def rule(flag: Callable[[IntentPrediction], bool]) -> OutOfScopeRule:
        flagged = np.array([flag(p) for p in inside], dtype=bool)
        kept = float((right & ~flagged).mean()) if right.size else 0.0
        recall = sum(1 for p in away if flag(p)) / len(away) if away else 0.0
        return OutOfScopeRule(kept, 100.0 * (accuracy - kept), float(flagged.mean()) if flagged.size else 0.0, recall)

    floor = classifier.similarity_floor
    return OutOfScopeProxy(
        catalog=name,
        outside=tuple(d.name for j, d in enumerate(datasets) if j != index),
        n_train=n_train,
        n_in_scope=len(inside),
        n_out_of_scope=len(away),
        accuracy=accuracy,
        similarity_floor=floor,
        confidence_floor=classifier.confidence_floor,
        floor_only=rule(lambda p: p.nearest_similarity < floor),
        calibrated=rule(classifier.is_out_of_scope),
    )
