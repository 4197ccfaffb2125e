"""Passage retrieval over a small document set, with a score threshold and language preference."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from relevo.models.offline._embeddings import Embedder

__all__ = ["Document", "PassageHit", "PassageIndex"]


@dataclass(frozen=True, slots=True)
class Document:
    """A document to index: an id shared across translations, a title, a language and a body."""

    id: str
    title: str
    language: str
    body: str


@dataclass(frozen=True, slots=True)
class PassageHit:
    """A passage of a document and how well it matches the query."""

    document_id: str
    title: str
    language: str
    text: str
    score: float


_PARAGRAPH = re.compile(r"\n\s*\n")


class PassageIndex:
    """Cosine search over document passages (paragraphs, each prefixed with its title)."""

    def __init__(self, embedder: Embedder, documents: Sequence[Document]) -> None:
        self._embedder = embedder
        self._passages: list[tuple[Document, str]] = []
        for doc in documents:
            for paragraph in _PARAGRAPH.split(doc.body.strip()):
                text = paragraph.strip()
                if text and not text.startswith("#"):
                    self._passages.append((doc, text))
        texts = [f"{doc.title}. {text}" for doc, text in self._passages]
        self._vectors = embedder.embed(texts, "passage", persist=True) if texts else np.zeros((0, embedder.dim))

    def __len__(self) -> int:
        return len(self._passages)

    def search(
        self,
        query: str,
        *,
        language: str,
        top_k: int = 3,
        min_score: float = 0.0,
        fallback_language: str = "en",
    ) -> list[PassageHit]:
        """Best passages for ``query``; documents in ``language`` win over translations of the same id.

        Matching is cross-lingual (the embeddings are multilingual); once the best documents are found,
        the passage is taken from the customer's language version when one exists, else the fallback.
        """
        if not self._passages:
            return []
        qvec = self._embedder.embed([query], "query")[0]
        scores = self._vectors @ qvec
        order = np.argsort(-scores)
        best_by_doc: dict[str, float] = {}
        for i in order:
            doc, _ = self._passages[int(i)]
            score = float(scores[i])
            if score < min_score or (len(best_by_doc) >= top_k and doc.id not in best_by_doc):
                continue
            best_by_doc.setdefault(doc.id, score)
        hits: list[PassageHit] = []
        for doc_id, score in best_by_doc.items():
            hit = self._best_passage(doc_id, scores, (language, fallback_language))
            if hit is not None:
                hits.append(PassageHit(hit.document_id, hit.title, hit.language, hit.text, score))
        return hits[:top_k]

    def _best_passage(self, doc_id: str, scores: np.ndarray, languages: tuple[str, str]) -> PassageHit | None:
        for lang in (*languages, None):
            candidates = [
                (float(scores[i]), doc, text)
                for i, (doc, text) in enumerate(self._passages)
                if doc.id == doc_id and (lang is None or doc.language == lang)
            ]
            if candidates:
                score, doc, text = max(candidates, key=lambda c: c[0])
                return PassageHit(doc.id, doc.title, doc.language, text, score)
        return None
