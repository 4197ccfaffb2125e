"""Passage retrieval over a small document set, with a score threshold and language preference."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from relevo.models.offline._embeddings import Embedder

__all__ = ["Document", "PassageHit", "PassageIndex", "segment_passages"]


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
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


def _is_list(block: str) -> bool:
    lines = [line for line in block.splitlines() if line.strip()]
    return bool(lines) and _LIST_ITEM.match(lines[0]) is not None


def segment_passages(body: str) -> list[tuple[str, str]]:
    """Split a markdown body into whole thoughts: ``(section heading, passage)`` pairs.

    A passage ends where its thought ends: at a heading, at the end of a list, or at a paragraph break. It
    never ends on a colon: a paragraph that announces a list ("Our team is available:") keeps the list, and
    list blocks separated by blank lines stay one list. Headings are not passages; each passage carries the
    heading it sits under ("" before the first).
    """
    passages: list[tuple[str, str]] = []
    heading = ""
    current: list[str] = []

    def flush() -> None:
        if current:
            passages.append((heading, "\n".join(current)))
            current.clear()

    for raw in _PARAGRAPH.split(body.strip()):
        block = raw.strip()
        lines = block.splitlines()
        while lines and _HEADING.match(lines[0]):
            flush()
            heading = _HEADING.sub("", lines[0]).strip().rstrip(":")
            lines = lines[1:]
        block = "\n".join(lines).strip()
        if not block:
            continue
        continues = current and (current[-1].rstrip().endswith(":") or (_is_list(block) and _is_list(current[-1])))
        if not continues:
            flush()
        current.append(block)
    flush()
    return passages


class PassageIndex:
    """Cosine search over document passages (see :func:`segment_passages`), each embedded with its title and
    section heading."""

    def __init__(self, embedder: Embedder, documents: Sequence[Document]) -> None:
        self._embedder = embedder
        self._passages: list[tuple[Document, str]] = []
        texts: list[str] = []
        for doc in documents:
            for heading, text in segment_passages(doc.body):
                self._passages.append((doc, text))
                texts.append(f"{doc.title}. {heading}. {text}" if heading else f"{doc.title}. {text}")
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
