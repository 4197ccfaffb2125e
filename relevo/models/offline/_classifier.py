"""Intent classification from labelled examples: kernel ridge regression over e5 embeddings and word/character
n-grams.

The score of a label is a kernel expansion over anchor examples, ``exp(γ(cos(x, a) − 1))`` on centred e5
vectors, plus a linear term over hashed TF-IDF n-grams (exact wording tells "top up failed" from "top up
pending"). Before the kernel, the vectors are whitened against the spread *within* labels (a shrunk
within-class covariance, as in linear discriminant analysis): directions in which a label's own examples
vary count less than directions that separate labels.

Ridge has a closed form, so fitting a catalog takes a fraction of a second, and its leave-one-out predictions
are closed-form too: the regularisation strength, the softmax temperature and the out-of-scope similarity
threshold are all learned from the training examples, never from test data. Above :data:`_MAX_ANCHORS`
labelled examples the kernel is approximated on a seeded subset of them as anchors (Nyström).

The defaults for γ, the n-gram weight and the whitening shrinkage were chosen on Banking77 *training* texts
only: 10 per label (seeds 1–4) to fit, 3,000 other training texts to score; see ``scripts/tune_intents.py``.
The whitening is learned from the examples themselves, so it is not re-chosen by leave-one-out (the
estimate would see the held-out example).
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relevo._errors import ConfigurationError
from relevo.models.offline._embeddings import Embedder, Vector

__all__ = ["IntentClassifier", "IntentPrediction"]

_F = npt.NDArray[np.float64]
_LAMBDAS = (1e-4, 1e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
_TEMPERATURES = tuple(float(t) for t in np.geomspace(0.02, 2.0, 40))
_GAMMA = 2.0
"""Sharpness of the embedding kernel: 0 would be a linear model, large values a nearest-neighbour vote."""
_SHRINKAGE = 0.9
"""Whitening: 1 leaves the embedding as it is, 0 divides by the raw within-label covariance (overfits)."""
_TEXT_WEIGHT = 0.3
"""Weight of the n-gram features next to the embedding kernel (whose values lie in (0, 1])."""
_TEXT_DIM = 2048
"""Hash buckets for word and character n-grams."""
_MAX_ANCHORS = 1500
"""Above this many examples the kernel is approximated on this many anchors, so fitting stays fast."""
_ANCHOR_SEED = 0
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """The best label, its calibrated probability and the runners-up."""

    label: str
    confidence: float
    nearest_similarity: float
    """Cosine similarity to the closest training example (low means unlike anything we know)."""
    alternatives: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class _Fit:
    anchors: _F
    """Centred, normalised embeddings the kernel is expanded over."""
    anchor_weights: _F
    text_weights: _F
    bias: _F
    temperature: float
    loo_accuracy: float
    regularisation: float
    loo_probabilities: _F
    """Leave-one-out class probabilities of the scored examples (for calibrating the confidence floor)."""


@dataclass(frozen=True, slots=True)
class _TextFeatures:
    """Hashed TF-IDF over words, word pairs and character 3–5-grams, with the IDF of the training texts."""

    idf: _F

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[_TextFeatures, _F]:
        """The features learned from ``texts`` and the texts' own feature rows."""
        counted = [_hashed_ngrams(text) for text in texts]
        df = np.zeros(_TEXT_DIM)
        for counts in counted:
            df[list(counts)] += 1.0
        features = cls(np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0)
        return features, features.rows(counted)

    def transform(self, texts: Sequence[str]) -> _F:
        return self.rows([_hashed_ngrams(text) for text in texts])

    def rows(self, counted: Sequence[dict[int, int]]) -> _F:
        out = np.zeros((len(counted), _TEXT_DIM))
        for row, counts in zip(out, counted, strict=True):
            if counts:
                index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                row[index] = (1.0 + np.log(tf)) * self.idf[index]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


class IntentClassifier:
    """A calibrated multi-class classifier over sentence embeddings and the texts' wording."""

    def __init__(
        self,
        embedder: Embedder,
        labels: Sequence[str],
        examples: Vector,
        example_labels: npt.NDArray[np.int64],
        fit: _Fit,
        mean: _F,
        similarity_floor: float,
        text_features: _TextFeatures,
        gamma: float,
        whitening: _F,
    ) -> None:
        self._embedder = embedder
        self.labels = tuple(labels)
        self._examples = examples
        self._example_labels = example_labels
        self._fit = fit
        self._mean = mean
        self._whitening = whitening
        self._text_features = text_features
        self._gamma = gamma
        self.similarity_floor = similarity_floor
        self.confidence_floor = 0.0
        """Below this calibrated probability a prediction is out of scope (see ``fit(oos_budget=...)``)."""

    @classmethod
    def fit(
        cls,
        embedder: Embedder,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        persist_embeddings: bool = True,
        floor_quantile: float = 0.01,
        oos_budget: float = 0.01,
        gamma: float = _GAMMA,
        text_weight: float = _TEXT_WEIGHT,
        shrinkage: float = _SHRINKAGE,
        descriptions: Mapping[str, Sequence[str]] | None = None,
    ) -> IntentClassifier:
        """Learn from ``texts`` labelled ``labels``.

        Args:
            embedder: turns texts into vectors.
            texts: training utterances.
            labels: one label per utterance; at least two distinct labels.
            persist_embeddings: keep example vectors in the embedder's disk cache (catalog data only).
            floor_quantile: the share of training examples allowed below the learned similarity floor.
            oos_budget: the in-scope accuracy the confidence floor may cost, as a share: the floor is set so
                that this share of the examples classified right by leave-one-out fall below it (those
                classified wrong cost nothing when flagged, they were wrong anyway).
            gamma: sharpness of the embedding kernel (0 gives a linear model over embeddings).
            text_weight: weight of the word/character n-gram features (0 ignores the wording).
            shrinkage: how far the within-label covariance is pulled towards a sphere before whitening,
                in (0, 1]; 1 turns the whitening off.
            descriptions: extra texts per label (its name in words, a one-line definition), learned as
                examples of the label; leave-one-out accuracy is still measured on ``texts`` only. With
                few examples per label they help (Banking77, 10 per label: +0.8 points).

        Raises:
            ConfigurationError: fewer than two labels, texts and labels of different lengths, a description
                for a label without examples, a negative ``gamma`` or ``text_weight``, or a ``shrinkage``
                outside (0, 1].
        """
        if len(texts) != len(labels):
            raise ConfigurationError(f"{len(texts)} texts but {len(labels)} labels: they must pair up")
        if gamma < 0 or text_weight < 0:
            raise ConfigurationError("gamma and text_weight must be zero or positive")
        if not 0 < shrinkage <= 1:
            raise ConfigurationError(f"shrinkage must be in (0, 1], got {shrinkage}")
        names = sorted(set(labels))
        if len(names) < 2:
            raise ConfigurationError("an intent classifier needs examples for at least two intents")
        described = dict(descriptions or {})
        unknown = sorted(set(described) - set(names))
        if unknown:
            raise ConfigurationError(f"descriptions for labels without examples: {', '.join(unknown)}")
        scored = len(texts)
        texts = [*texts, *(text for label in names for text in described.get(label, ()))]
        labels = [*labels, *(label for label in names for _ in described.get(label, ()))]
        index = {name: i for i, name in enumerate(names)}
        y = np.array([index[label] for label in labels], dtype=np.int64)
        vectors = embedder.embed(list(texts), "query", persist=persist_embeddings)
        mean = vectors.astype(np.float64).mean(axis=0)
        whitening = _within_class_whitening(_centred(vectors, mean, None), y, shrinkage)
        centred = _centred(vectors, mean, whitening)
        text_features, rows = _TextFeatures.fit(texts)
        wording = text_weight * rows
        targets = np.eye(len(names))[y]
        fit = _kernel_ridge(centred, wording, targets, y, gamma, scored)
        fit = _Fit(
            fit.anchors,
            fit.anchor_weights,
            text_weight * fit.text_weights,
            fit.bias,
            fit.temperature,
            fit.loo_accuracy,
            fit.regularisation,
            fit.loo_probabilities,
        )
        floor = _similarity_floor(vectors, y, floor_quantile)
        classifier = cls(embedder, names, vectors, y, fit, mean, floor, text_features, gamma, whitening)
        classifier.confidence_floor = _confidence_floor(fit.loo_probabilities, y[:scored], oos_budget)
        return classifier

    def is_out_of_scope(self, prediction: IntentPrediction, *, similarity_margin: float = 0.0) -> bool:
        """Whether ``prediction`` is unlike the training data: less similar to every example than the
        similarity floor (minus ``similarity_margin``), or less confident than the confidence floor."""
        return (
            prediction.nearest_similarity < self.similarity_floor - similarity_margin
            or prediction.confidence < self.confidence_floor
        )

    @property
    def training_accuracy_loo(self) -> float:
        """Leave-one-out accuracy on the training examples (an honest estimate without a test split)."""
        return self._fit.loo_accuracy

    def predict(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """Classify each text."""
        if not texts:
            return []
        return self.predict_vectors(self._embedder.embed(list(texts), "query"), texts=texts)

    def predict_vectors(self, vectors: Vector, texts: Sequence[str] | None = None) -> list[IntentPrediction]:
        """Classify already-embedded texts (query-kind e5 vectors).

        Args:
            vectors: the texts' embeddings.
            texts: the texts themselves; without them the wording features are left out, which costs a
                little accuracy.
        """
        fit = self._fit
        kernel = np.exp(self._gamma * (_centred(vectors, self._mean, self._whitening) @ fit.anchors.T - 1.0))
        scores = kernel @ fit.anchor_weights + fit.bias
        if texts is not None:
            scores += self._text_features.transform(texts) @ fit.text_weights
        probs = _softmax(scores / fit.temperature)
        nearest = (vectors @ self._examples.T).max(axis=1)
        out: list[IntentPrediction] = []
        for row, sim in zip(probs, nearest, strict=True):
            order = np.argsort(-row)[:4]
            ranked = tuple((self.labels[int(i)], float(row[i])) for i in order)
            out.append(IntentPrediction(ranked[0][0], ranked[0][1], float(sim), ranked[1:]))
        return out


def _centred(vectors: Vector, mean: _F, whitening: _F | None) -> _F:
    """Vectors minus the training mean, whitened when a matrix is given, back on the unit sphere."""
    centred = vectors.astype(np.float64) - mean
    if whitening is not None:
        centred = centred @ whitening
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    return centred


def _within_class_whitening(centred: _F, y: npt.NDArray[np.int64], shrinkage: float) -> _F:
    """``S^(-1/2)`` for ``S = (1 − s)·Σ_within + s·(mean variance)·I``: the spread of examples around their
    label's mean, shrunk towards a sphere so that a few examples per label cannot make it singular."""
    means = np.zeros((int(y.max()) + 1, centred.shape[1]))
    np.add.at(means, y, centred)
    means /= np.maximum(np.bincount(y, minlength=means.shape[0]), 1)[:, None]
    residuals = centred - means[y]
    within = residuals.T @ residuals / len(y)
    sphere = max(float(np.trace(within)) / within.shape[0], 1e-12)
    values, vectors = np.linalg.eigh((1.0 - shrinkage) * within + shrinkage * sphere * np.eye(within.shape[0]))
    return (vectors / np.sqrt(np.maximum(values, sphere * shrinkage))) @ vectors.T


def _hashed_ngrams(text: str) -> dict[int, int]:
    words = _WORD.findall(text.casefold())
    counts: dict[int, int] = {}
    for bucket in itertools.chain(
        (_bucket(f"{a} {b}") for a, b in itertools.pairwise(words)),
        itertools.chain.from_iterable(map(_word_buckets, words)),
    ):
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


@functools.lru_cache(maxsize=32_768)
def _word_buckets(word: str) -> tuple[int, ...]:
    """The word's own bucket and those of its character 3–5-grams (words recur, so this is cached)."""
    padded = f" {word} "
    grams = [padded[i : i + n] for n in (3, 4, 5) for i in range(max(1, len(padded) - n + 1))]
    return (_bucket(word), *map(_bucket, grams))


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) % _TEXT_DIM


def _kernel_ridge(centred: _F, wording: _F, targets: _F, y: npt.NDArray[np.int64], gamma: float, scored: int) -> _Fit:
    """Ridge over ``[φ(embedding), wording, 1]`` where φ spans the kernel of the anchors.

    Leave-one-out scores of the first ``scored`` examples choose the regularisation and the temperature.

    With every example as an anchor this is exact kernel ridge regression (solved in the dual); with more
    examples than :data:`_MAX_ANCHORS`, φ is the Nyström map of a seeded subset (solved in the primal).
    """
    n = centred.shape[0]
    if n <= _MAX_ANCHORS:
        anchors = centred
        gram = np.exp(gamma * (centred @ centred.T - 1.0))
        kernel = gram + wording @ wording.T + 1.0
        alpha, lam, loo, accuracy = _dual_ridge_solve(kernel, targets, y, scored)
        anchor_weights, text_weights, bias = alpha, wording.T @ alpha, alpha.sum(axis=0)
    else:
        # Anchors come from the labelled texts only, so adding descriptions does not redraw them.
        chosen = np.sort(np.random.default_rng(_ANCHOR_SEED).choice(scored, min(scored, _MAX_ANCHORS), replace=False))
        anchors = centred[chosen]
        anchor_gram = np.exp(gamma * (anchors @ anchors.T - 1.0))
        values, basis = np.linalg.eigh(anchor_gram)
        keep = values > values.max() * 1e-8
        root = basis[:, keep] / np.sqrt(values[keep])  # K_LL^{-1/2} on its well-conditioned span
        features = np.hstack([np.exp(gamma * (centred @ anchors.T - 1.0)) @ root, wording, np.ones((n, 1))])
        # The same ridge either way; decompose the smaller of the two Gram matrices (features: anchors + n-gram
        # buckets + 1 columns, often more than there are examples).
        ridge = _ridge_dual if n < features.shape[1] else _ridge_primal
        weights, lam, loo, accuracy = ridge(features, targets, y, scored)
        k = root.shape[1]
        anchor_weights = root @ weights[:k]
        text_weights, bias = weights[k:-1], weights[-1]
    temperature = min(_TEMPERATURES, key=lambda t: _nll(loo / t, y[:scored]))
    return _Fit(anchors, anchor_weights, text_weights, bias, temperature, accuracy, lam, _softmax(loo / temperature))


def _ridge_primal(features: _F, targets: _F, y: npt.NDArray[np.int64], scored: int) -> tuple[_F, float, _F, float]:
    """Ridge regression of ``targets`` on ``features`` through the eigenvectors of ``FᵀF`` (columns × columns).

    Returns:
        The weights (columns × labels), the regularisation chosen by the leave-one-out accuracy of the first
        ``scored`` rows, their leave-one-out scores, and that accuracy.
    """
    cov_values, cov_vectors = np.linalg.eigh(features.T @ features)
    cov_values = np.maximum(cov_values, 0.0)
    rotated = features @ cov_vectors
    projected = rotated.T @ targets

    def solve(lam: float) -> tuple[_F, _F]:
        inverse = 1.0 / (cov_values + lam)
        return rotated @ (inverse[:, None] * projected), (rotated**2) @ inverse

    lam, loo, accuracy = _pick_regularisation(solve, targets[:scored], y[:scored])
    return cov_vectors @ ((1.0 / (cov_values + lam))[:, None] * projected), lam, loo, accuracy


def _ridge_dual(features: _F, targets: _F, y: npt.NDArray[np.int64], scored: int) -> tuple[_F, float, _F, float]:
    """:func:`_ridge_primal` through the eigenvectors of ``FFᵀ`` (rows × rows): the same weights
    (``Fᵀ(FFᵀ + λI)⁻¹T = (FᵀF + λI)⁻¹FᵀT``), fitted values and leverages, cheaper with fewer rows than columns."""
    alpha, lam, loo, accuracy = _dual_ridge_solve(features @ features.T, targets, y, scored)
    return features.T @ alpha, lam, loo, accuracy


def _dual_ridge_solve(kernel: _F, targets: _F, y: npt.NDArray[np.int64], scored: int) -> tuple[_F, float, _F, float]:
    """Dual ridge weights ``α = (K + λI)⁻¹T`` for a rows × rows kernel ``K``, with λ chosen by leave-one-out on
    the first ``scored`` rows (one eigendecomposition serves every λ tried): ``(α, λ, loo margins, accuracy)``."""
    values, vectors = np.linalg.eigh(kernel)
    values = np.maximum(values, 0.0)
    projected = vectors.T @ targets

    def solve(lam: float) -> tuple[_F, _F]:
        shrink = values / (values + lam)
        return vectors @ (shrink[:, None] * projected), (vectors**2) @ shrink

    lam, loo, accuracy = _pick_regularisation(solve, targets[:scored], y[:scored])
    alpha = vectors @ ((1.0 / (values + lam))[:, None] * projected)
    return alpha, lam, loo, accuracy


def _pick_regularisation(
    solve: Callable[[float], tuple[_F, _F]], targets: _F, y: npt.NDArray[np.int64]
) -> tuple[float, _F, float]:
    """The regularisation with the best leave-one-out accuracy, its leave-one-out scores and accuracy."""
    best: tuple[float, _F, float] | None = None
    for lam in _LAMBDAS:
        fitted, leverage = solve(lam)
        fitted, leverage = fitted[: len(y)], leverage[: len(y)]
        loo = (fitted - leverage[:, None] * targets) / np.maximum(1.0 - leverage, 1e-6)[:, None]
        accuracy = float((loo.argmax(axis=1) == y).mean())
        if best is None or accuracy > best[2]:
            best = (lam, loo, accuracy)
    assert best is not None
    return best


def _nll(scores: _F, y: npt.NDArray[np.int64]) -> float:
    probs = _softmax(scores)
    return float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean())


def _softmax(scores: _F) -> _F:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _confidence_floor(loo_probabilities: _F, y: npt.NDArray[np.int64], budget: float) -> float:
    """The probability below which ``budget`` of the examples leave-one-out classifies right would fall.

    A text unlike any intent gets a flat, unconfident distribution; flagging everything below this floor
    costs at most ``budget`` of in-scope accuracy on data like the training examples. 0 when ``budget`` is 0
    or nothing was classified right.
    """
    if budget <= 0 or loo_probabilities.size == 0:
        return 0.0
    right = loo_probabilities.argmax(axis=1) == y
    confidences = loo_probabilities.max(axis=1)[right]
    if confidences.size == 0:
        return 0.0
    return float(np.quantile(confidences, min(budget, 1.0)))


def _similarity_floor(vectors: Vector, y: npt.NDArray[np.int64], quantile: float) -> float:
    """The similarity below which a text is unlike the training data: a low quantile of each example's
    similarity to its nearest *other* example of the same label."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    same = y[:, None] == y[None, :]
    nearest_same = np.where(same, sims, -1.0).max(axis=1)
    valid = nearest_same[nearest_same > -1.0]
    if valid.size == 0:
        return 0.0
    return float(np.quantile(valid, quantile))
