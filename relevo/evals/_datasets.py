"""Labelled-dataset evaluation: intent classification (train/test CSV) and explicit-human-request detection."""

from __future__ import annotations

import csv
import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from relevo._errors import BadInputError
from relevo.evals._metrics import ClassificationReport, classify_report
from relevo.evals._progress import Progress
from relevo.models.offline import E5Embedder, Embedder, IntentClassifier, detect_human_request, detect_language

__all__ = [
    "EscalationDatasetReport",
    "IntentDatasetReport",
    "evaluate_escalation_dataset",
    "evaluate_intent_dataset",
    "read_labelled_csv",
]

TEXT_COLUMNS = ("text", "utterance")
LABEL_COLUMNS = ("label", "category", "intent")
_BATCH = 32


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    return list(reader.fieldnames or []), list(reader)


def _column(path: Path, fields: list[str], asked: str | None, defaults: Sequence[str], what: str) -> str:
    if asked is not None:
        if asked not in fields:
            raise BadInputError(f"{path} has no column {asked!r} ({what}); columns: {', '.join(fields)}")
        return asked
    found = next((c for c in defaults if c in fields), None)
    if found is None:
        wanted = " or ".join(repr(c) for c in defaults)
        raise BadInputError(f"{path} has no {what} column ({wanted}); columns: {', '.join(fields)}")
    return found


def read_labelled_csv(
    path: Path, *, text_column: str | None = None, label_column: str | None = None
) -> tuple[list[str], list[str]]:
    """``(texts, labels)`` from a CSV; rows with an empty text or label are skipped.

    Raises:
        BadInputError: unreadable, or the text/label column is missing.
    """
    fields, rows = _read_rows(path)
    text_col = _column(path, fields, text_column, TEXT_COLUMNS, "text")
    label_col = _column(path, fields, label_column, LABEL_COLUMNS, "label")
    pairs = [(r[text_col].strip(), r[label_col].strip()) for r in rows if r.get(text_col) and r.get(label_col)]
    pairs = [(t, lab) for t, lab in pairs if t and lab]
    if not pairs:
        raise BadInputError(f"{path} has no labelled rows")
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def sample_shots(texts: list[str], labels: list[str], shots: int, seed: int) -> tuple[list[str], list[str]]:
    """``shots`` texts per label (all of a label's when it has fewer), drawn with ``seed``, in file order."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    chosen: list[int] = []
    for label in sorted(by_label):
        items = by_label[label]
        chosen += items if len(items) <= shots else rng.sample(items, shots)
    chosen.sort()
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def embed_batches(embedder: Embedder, texts: list[str], bar: Progress) -> Any:
    """The texts' query embeddings, one row each, advancing ``bar`` batch by batch."""
    parts = []
    for start in range(0, len(texts), _BATCH):
        batch = texts[start : start + _BATCH]
        parts.append(embedder.embed(batch, "query"))
        bar.advance(len(batch))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


@dataclass(frozen=True)
class IntentDatasetReport:
    """How the offline intent classifier does on a labelled test set."""

    report: ClassificationReport
    n_train: int
    n_test: int
    shots: int | None
    seed: int
    oos_label: str | None = None
    oos_recall: float | None = None
    oos_precision: float | None = None
    loo_accuracy: float = 0.0
    """Leave-one-out accuracy on the training texts: the estimate the fit chose by, no test data in it."""
    label_names_taught: bool = False
    """Whether each label's name in words was taught as an example (kept only when leave-one-out improved)."""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accuracy": self.report.accuracy,
            "macro_f1": self.report.macro_f1,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "shots": self.shots,
            "seed": self.seed,
            "loo_accuracy": round(self.loo_accuracy, 4),
            "label_names_taught": self.label_names_taught,
            "per_label": {
                k: {"precision": v.precision, "recall": v.recall, "f1": v.f1, "support": v.support}
                for k, v in self.report.per_label.items()
            },
            "confused": [{"true": t, "predicted": p, "count": n} for t, p, n in self.report.confused],
        }
        if self.oos_label is not None:
            out.update(oos_label=self.oos_label, oos_recall=self.oos_recall, oos_precision=self.oos_precision)
        return out


def evaluate_intent_dataset(
    train: Path,
    test: Path,
    *,
    shots: int | None = None,
    seed: int = 0,
    oos_label: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    progress: TextIO | None = None,
) -> IntentDatasetReport:
    """Fit an :class:`IntentClassifier` on ``train`` (all of it, or ``shots`` per label, seeded) and score ``test``.

    Each label's name in words ("card_arrival" → "card arrival") is tried as one more example of the label,
    and kept only when it raises the leave-one-out accuracy on the training texts (labels that are codes
    teach nothing). With ``oos_label``, a test item counts as predicted out of scope when the classifier
    predicts that label or flags it the way triage does (:meth:`IntentClassifier.is_out_of_scope`: below the
    learned similarity floor or the calibrated confidence floor).
    """
    if shots is not None and shots < 1:
        raise BadInputError("--shots must be at least 1")
    train_texts, train_labels = read_labelled_csv(train, text_column=text_column, label_column=label_column)
    test_texts, test_labels = read_labelled_csv(test, text_column=text_column, label_column=label_column)
    if shots is not None:
        train_texts, train_labels = sample_shots(train_texts, train_labels, shots, seed)
    # Dataset text stays in memory: only catalog and knowledge-base text goes to the disk cache.
    embedder = E5Embedder(None, memory_items=len(train_texts) + 16)
    bar = Progress("embedding", len(train_texts) + len(test_texts), progress, unit="texts")
    embed_batches(embedder, train_texts, bar)
    classifier, taught = fit_dataset_classifier(embedder, train_texts, train_labels, exclude=oos_label)
    vectors = embed_batches(embedder, test_texts, bar)
    bar.finish()
    predictions = classifier.predict_vectors(vectors, test_texts)
    predicted = [p.label for p in predictions]
    report = classify_report(test_labels, predicted)
    oos_recall = oos_precision = None
    if oos_label is not None:
        flagged = [p.label == oos_label or classifier.is_out_of_scope(p) for p in predictions]
        actual = [label == oos_label for label in test_labels]
        hits = sum(1 for f, a in zip(flagged, actual, strict=True) if f and a)
        oos_recall = round(hits / sum(actual), 4) if any(actual) else 0.0
        oos_precision = round(hits / sum(flagged), 4) if any(flagged) else 0.0
    return IntentDatasetReport(
        report=report,
        n_train=len(train_texts),
        n_test=len(test_texts),
        shots=shots,
        seed=seed,
        oos_label=oos_label,
        oos_recall=oos_recall,
        oos_precision=oos_precision,
        loo_accuracy=classifier.training_accuracy_loo,
        label_names_taught=taught,
    )


def fit_dataset_classifier(
    embedder: Embedder,
    texts: list[str],
    labels: list[str],
    *,
    exclude: str | None = None,
    oos_budget: float = 0.01,
) -> tuple[IntentClassifier, bool]:
    """An :class:`IntentClassifier` on a dataset's training texts (not persisted to the disk cache), and whether
    the labels' names in words were taught: they are kept only when they raise the leave-one-out accuracy.
    ``exclude`` (an out-of-scope label) names no intent; ``oos_budget`` goes to :meth:`IntentClassifier.fit`."""
    fit = functools.partial(
        IntentClassifier.fit, embedder, texts, labels, persist_embeddings=False, oos_budget=oos_budget
    )
    classifier = fit()
    names = label_names(labels, exclude=exclude)
    if not names:
        return classifier, False
    named = fit(descriptions=names)
    taught = named.training_accuracy_loo > classifier.training_accuracy_loo
    return (named if taught else classifier), taught


_NAME_SEPARATORS = re.compile(r"[_\-.:/]+")


def label_names(labels: Sequence[str], *, exclude: str | None = None) -> dict[str, list[str]]:
    """Each label's name in words ("card_arrival" → "card arrival", "TopUp-failed" → "TopUp failed"), for
    labels with at least one word of two letters; ``exclude`` (the out-of-scope label) names no intent."""
    out: dict[str, list[str]] = {}
    for label in sorted(set(labels)):
        words = _NAME_SEPARATORS.sub(" ", label).strip()
        if label != exclude and _WORD.search(words):
            out[label] = [words]
    return out


_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class EscalationDatasetReport:
    """How explicit requests for a human are detected on a labelled set."""

    tp: int
    fp: int
    fn: int
    tn: int
    missed: list[str] = field(default_factory=list[str])
    false_alarms: list[str] = field(default_factory=list[str])

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def as_json(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "n": self.n,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "missed": self.missed[:20],
            "false_alarms": self.false_alarms[:20],
        }


def evaluate_escalation_dataset(
    data: Path, *, split: str | None = None, progress: TextIO | None = None
) -> EscalationDatasetReport:
    """Score :func:`detect_human_request` (language detected per text) on a CSV with ``utterance`` (or
    ``text``) and ``label_escalate_human`` (1/0); ``split`` keeps only rows whose ``split`` column matches."""
    fields, rows = _read_rows(data)
    text_col = _column(data, fields, None, ("utterance", "text"), "text")
    label_col = _column(data, fields, None, ("label_escalate_human",), "label")
    if split is not None:
        if "split" not in fields:
            raise BadInputError(f"{data} has no 'split' column")
        rows = [r for r in rows if r.get("split") == split]
    tp = fp = fn = tn = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    bar = Progress("escalation", len(rows), progress, unit="texts")
    for n, row in enumerate(rows, 2):
        text, raw = (row.get(text_col) or "").strip(), (row.get(label_col) or "").strip()
        if raw not in ("0", "1", "true", "false", "True", "False"):
            raise BadInputError(f"{data}: line {n}: {label_col} must be 1 or 0, got {raw!r}")
        expected = raw in ("1", "true", "True")
        found = detect_human_request(text, detect_language(text).language) is not None
        if expected and found:
            tp += 1
        elif expected:
            fn += 1
            missed.append(text)
        elif found:
            fp += 1
            false_alarms.append(text)
        else:
            tn += 1
        bar.advance()
    bar.finish()
    if tp + fp + fn + tn == 0:
        raise BadInputError(f"{data} has no rows" + (f" in split {split!r}" if split else ""))
    return EscalationDatasetReport(tp, fp, fn, tn, missed, false_alarms)
