"""Intent classification from labelled examples: ridge regression over e5 embeddings.

Ridge has a closed form, so fitting a catalog takes milliseconds, and its leave-one-out predictions are
closed-form too: the regularisation strength, the softmax temperature and the out-of-scope similarity
threshold are all learned from the training examples, never from test data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relevo._errors import ConfigurationError
from relevo.models.offline._embeddings import Embedder, Vector

__all__ = ["IntentClassifier", "IntentPrediction"]

_F = npt.NDArray[np.float64]
_LAMBDAS = (0.03, 0.1, 0.3, 1.0, 3.0)
_TEMPERATURES = tuple(float(t) for t in np.geomspace(0.02, 2.0, 40))


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
    weights: _F
    temperature: float
    loo_accuracy: float
    regularisation: float


class IntentClassifier:
    """A calibrated multi-class classifier over sentence embeddings."""

    def __init__(
        self,
        embedder: Embedder,
        labels: Sequence[str],
        examples: Vector,
        example_labels: npt.NDArray[np.int64],
        fit: _Fit,
        mean: _F,
        similarity_floor: float,
    ) -> None:
        self._embedder = embedder
        self.labels = tuple(labels)
        self._examples = examples
        self._example_labels = example_labels
        self._fit = fit
        self._mean = mean
        self.similarity_floor = similarity_floor

    @classmethod
    def fit(
        cls,
        embedder: Embedder,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        persist_embeddings: bool = True,
        floor_quantile: float = 0.01,
    ) -> IntentClassifier:
        """Learn from ``texts`` labelled ``labels``.

        Args:
            embedder: turns texts into vectors.
            texts: training utterances.
            labels: one label per utterance; at least two distinct labels.
            persist_embeddings: keep example vectors in the embedder's disk cache (catalog data only).
            floor_quantile: the share of training examples allowed below the learned similarity floor.

        Raises:
            ConfigurationError: fewer than two labels, or texts and labels of different lengths.
        """
        if len(texts) != len(labels):
            raise ConfigurationError(f"{len(texts)} texts but {len(labels)} labels: they must pair up")
        names = sorted(set(labels))
        if len(names) < 2:
            raise ConfigurationError("an intent classifier needs examples for at least two intents")
        index = {name: i for i, name in enumerate(names)}
        y = np.array([index[label] for label in labels], dtype=np.int64)
        vectors = embedder.embed(list(texts), "query", persist=persist_embeddings)
        mean = vectors.astype(np.float64).mean(axis=0)
        features = _features(vectors, mean)
        targets = np.eye(len(names))[y]
        fit = max((_ridge(features, targets, y, lam) for lam in _LAMBDAS), key=lambda f: f.loo_accuracy)
        floor = _similarity_floor(vectors, y, floor_quantile)
        return cls(embedder, names, vectors, y, fit, mean, floor)

    @property
    def training_accuracy_loo(self) -> float:
        """Leave-one-out accuracy on the training examples (an honest estimate without a test split)."""
        return self._fit.loo_accuracy

    def predict(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """Classify each text."""
        if not texts:
            return []
        return self.predict_vectors(self._embedder.embed(list(texts), "query"))

    def predict_vectors(self, vectors: Vector) -> list[IntentPrediction]:
        """Classify already-embedded texts (query-kind e5 vectors)."""
        scores = _features(vectors, self._mean) @ self._fit.weights
        probs = _softmax(scores / self._fit.temperature)
        nearest = (vectors @ self._examples.T).max(axis=1)
        out: list[IntentPrediction] = []
        for row, sim in zip(probs, nearest, strict=True):
            order = np.argsort(-row)[:4]
            ranked = tuple((self.labels[int(i)], float(row[i])) for i in order)
            out.append(IntentPrediction(ranked[0][0], ranked[0][1], float(sim), ranked[1:]))
        return out


def _features(vectors: Vector, mean: _F) -> _F:
    centred = vectors.astype(np.float64) - mean
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    centred /= np.maximum(norms, 1e-9)
    return np.hstack([centred, np.ones((centred.shape[0], 1))])


def _ridge(x: _F, targets: _F, y: npt.NDArray[np.int64], lam: float) -> _Fit:
    gram = x.T @ x + lam * np.eye(x.shape[1])
    inverse = np.linalg.inv(gram)
    weights = inverse @ (x.T @ targets)
    fitted = x @ weights
    leverage = np.einsum("ij,jk,ik->i", x, inverse, x)
    loo = (fitted - leverage[:, None] * targets) / np.maximum(1.0 - leverage, 1e-6)[:, None]
    accuracy = float((loo.argmax(axis=1) == y).mean())
    temperature = min(_TEMPERATURES, key=lambda t: _nll(loo / t, y))
    return _Fit(weights, temperature, accuracy, lam)


def _nll(scores: _F, y: npt.NDArray[np.int64]) -> float:
    probs = _softmax(scores)
    return float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean())


def _softmax(scores: _F) -> _F:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


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
