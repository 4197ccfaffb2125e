"""Passage retrieval over a small document set, with a score threshold and language preference.

A passage is a whole thought (:func:`segment_passages`). It is gated by the cosine similarity of its full text
to the query and ranked by a score that is fair to long passages such as lists: the mean of the full passage's
similarity and its best unit's (a sentence or list item, read after the passage's lead sentence), each less a
hubness penalty, so that a short paragraph that is vaguely similar to everything does not win over the passage
that answers the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from relevo.models.offline._embeddings import Embedder

__all__ = ["Document", "PassageHit", "PassageIndex", "passage_units", "segment_passages"]


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
    """Cosine similarity of the whole passage (with its title and heading) to the query: what thresholds gate."""
    rank: float = 0.0
    """The ranking score (see :class:`PassageIndex`); only its order is meaningful."""


_PARAGRAPH = re.compile(r"\n\s*\n")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•–—·◦▪‣→✓✔✅☐]|\d{1,3}[.)]|[a-z][.)]|[A-Z]\))\s+")
"""A list item: a bullet (including the dashes, dots and ticks word processors write), "1." / "1)", "a)" / "a."."""
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_INDENTED = re.compile(r"^(?: {2,}|\t)\S")


def _is_list(block: str) -> bool:
    """A list or a table: items that belong to the paragraph introducing them."""
    lines = [line for line in block.splitlines() if line.strip()]
    return bool(lines) and (_LIST_ITEM.match(lines[0]) is not None or _TABLE_ROW.match(lines[0]) is not None)


def _first_number(block: str) -> int | None:
    match = _NUMBERED.match(block)
    return int(match.group(1)) if match else None


def _last_number(blocks: list[str]) -> int | None:
    for block in reversed(blocks):
        numbers = [int(m.group(1)) for line in block.splitlines() if (m := _NUMBERED.match(line))]
        if numbers:
            return numbers[-1]
    return None


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    """Stripped of its blank lines and outer whitespace."""
    heading: tuple[int, str] | None = None
    """A heading line: its level and text (``text`` is then empty)."""
    indented: bool = False
    """Written indented under what comes before (a list item's second paragraph)."""


def _blocks(body: str) -> list[_Block]:
    out: list[_Block] = []
    for raw in _PARAGRAPH.split(body.strip()):
        lines = raw.rstrip().splitlines()
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and (heading := _HEADING.match(lines[0])):
            out.append(_Block("", (len(heading.group(1)), _HEADING.sub("", lines[0]).strip().rstrip(":"))))
            lines = lines[1:]
        text = "\n".join(lines).strip()
        if text:
            out.append(_Block(text, indented=bool(lines) and _INDENTED.match(lines[0]) is not None))
    return out


def segment_passages(body: str) -> list[tuple[str, str]]:
    """Split a markdown body into whole thoughts: ``(section heading, passage)`` pairs.

    A passage ends where its thought ends: at a heading, at the end of a list, or at a paragraph break. It
    never ends on a colon:

    - a paragraph that announces a list ("Our team is available:") keeps the list; when sections follow it
      instead ("## By phone", "## By email"), it keeps them, each heading a line of the passage, up to a
      heading above theirs; a colon paragraph with nothing after it is no passage;
    - a list (or a table) always stays with the paragraph just before it (its lead, colon or not: "Costs depend
      on the destination."); a list right under a heading is led by the heading ("Hours:");
    - list blocks separated by blank lines stay one list, and so do an indented paragraph under an item and a
      paragraph between numbered steps ("1. …", a note, "2. …").

    Headings are otherwise not passages; each passage carries the heading it sits under ("" before the first).
    Bullets may be any of ``- * + • – — · ◦ ▪ ‣ → ✓ ✔ ✅ ☐``, "1." or "1)", "a)" or "a.".
    """
    blocks = _blocks(body)
    passages: list[tuple[str, str]] = []
    heading = ""
    current: list[str] = []
    in_list = False
    """The last block taken was a list, a table or an indented paragraph of one."""
    folding: int | None = None
    """The level of the headings kept inside a colon paragraph's passage as its items."""

    def flush() -> None:
        if current and not (len(current) == 1 and current[0].endswith(":")):
            passages.append((heading, "\n".join(current)))
        current.clear()

    for n, block in enumerate(blocks):
        if block.heading is not None:
            level, title = block.heading
            announced = bool(current) and current[-1].endswith(":")
            if title and ((folding is not None and level >= folding) or (folding is None and announced)):
                # "Our team is available:" then "## By phone", "## By email": the sections are its items.
                folding = level if folding is None else folding
                current.append(f"{title}:")
                in_list = False
                continue
            flush()
            folding, in_list, heading = None, False, title
            if n + 1 < len(blocks) and blocks[n + 1].heading is None and _is_list(blocks[n + 1].text) and title:
                current.append(f"{title}:")  # a list right under its heading: the heading is its lead
            continue
        text = block.text
        listed = _is_list(text)
        continues = folding is not None or (
            bool(current)
            and (
                current[-1].endswith(":")
                or listed
                or (block.indented and in_list)
                or (in_list and _next_step_follows(current, blocks[n + 1 :]))
            )
        )
        if not continues:
            flush()
        current.append(text)
        in_list = listed or (in_list and continues)
    flush()
    return passages


def _next_step_follows(current: list[str], rest: list[_Block]) -> bool:
    """Whether the next block is the numbered step after the last one in ``current``: the paragraph between them
    is a note on a step ("1. Open the app.", "You can also use the website.", "2. Pick a time.")."""
    last = _last_number(current)
    following = rest[0] if rest and rest[0].heading is None else None
    return last is not None and following is not None and _first_number(following.text) == last + 1


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

HUBNESS_WEIGHT = 0.3
"""How much of a view's hubness is taken off its similarity. CSLS (Conneau et al. 2018, "Word translation without
parallel data") takes it off whole; only the passage side matters here, the query's own term is the same for
every passage and drops out of the order. On 32 questions over the demo desk's articles in four languages, 0.3
put the expected passage first for 29 (the whole-passage cosine alone: 25); 0.5 and above start to bury short
passages that do answer."""
HUB_NEIGHBOURS = 10
"""How many nearest passages of other documents a view's hubness is averaged over (CSLS's k)."""


def passage_units(text: str) -> list[str]:
    """The units of a passage a question may be about: its sentences, and each list item on its own."""
    units: list[str] = []
    for line in text.splitlines():
        if _LIST_ITEM.match(line):
            units.append(_LIST_ITEM.sub("", line).strip())
        else:
            units.extend(part for part in _SENTENCE_END.split(line.strip()) if part)
    return units or [text]


@dataclass(frozen=True, slots=True)
class _Passage:
    document: Document
    heading: str
    text: str


class PassageIndex:
    """Search over document passages (see :func:`segment_passages`), each embedded with its title and section
    heading, as a whole and unit by unit.

    Ranking (``PassageHit.rank``): for the whole passage and for each unit, the cosine similarity to the query
    less :data:`HUBNESS_WEIGHT` times the view's hubness, the mean similarity of that view to its
    :data:`HUB_NEIGHBOURS` nearest passages of *other* documents. A passage scores the mean of its whole view and
    its best unit. The unit view lets a list be found by its lead ("We accept the following payment methods:")
    or by one item ("PayPal") without its other items diluting the match; the hubness penalty takes back the
    advantage of short, generic paragraphs (an embedding of a short text sits close to many queries).
    """

    def __init__(self, embedder: Embedder, documents: Sequence[Document]) -> None:
        self._embedder = embedder
        self._passages: list[_Passage] = []
        wholes: list[str] = []
        units: list[str] = []
        owners: list[int] = []
        for doc in documents:
            for heading, text in segment_passages(doc.body):
                context = f"{doc.title}. {heading}. " if heading else f"{doc.title}. "
                parts = passage_units(text)
                for k, unit in enumerate(parts):
                    # Each unit is read after the passage's lead: a list item means little without its lead-in.
                    units.append(context + (unit if k == 0 else f"{parts[0]} {unit}"))
                    owners.append(len(self._passages))
                wholes.append(context + text)
                self._passages.append(_Passage(doc, heading, text))
        self._languages: dict[str, list[str]] = {}
        for doc in documents:
            langs = self._languages.setdefault(doc.id, [])
            if doc.language not in langs:
                langs.append(doc.language)
        dim = embedder.dim
        self._wholes = embedder.embed(wholes, "passage", persist=True) if wholes else np.zeros((0, dim))
        self._units = embedder.embed(units, "passage", persist=True) if units else np.zeros((0, dim))
        self._owners = np.asarray(owners, dtype=np.intp)
        doc_ids = np.asarray([p.document.id for p in self._passages])
        self._whole_hubness = self._hubness(self._wholes, doc_ids, doc_ids)
        self._unit_hubness = self._hubness(self._units, doc_ids[self._owners], doc_ids)

    def _hubness(self, views: np.ndarray, view_docs: np.ndarray, doc_ids: np.ndarray) -> np.ndarray:
        """Mean similarity of each view to its nearest whole passages of other documents (0 with none)."""
        if not len(views):
            return np.zeros(0, dtype=np.float32)
        sims = views @ self._wholes.T
        others = view_docs[:, None] != doc_ids[None, :]
        k = min(HUB_NEIGHBOURS, int(others.sum(axis=1).min()))
        if k == 0:
            return np.zeros(len(views), dtype=np.float32)
        sims = np.where(others, sims, -np.inf)
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)

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
        per_document: int = 1,
    ) -> list[PassageHit]:
        """Passages for ``query`` that reach ``min_score``, best ranked first, from at most ``top_k`` documents.

        Matching is cross-lingual (the embeddings are multilingual), but each document is read in one language:
        ``language`` when it has that version, else ``fallback_language``, else any.

        Args:
            query: the question.
            language: the preferred language version.
            top_k: how many documents hits may come from.
            min_score: the cosine similarity (``PassageHit.score``) a passage must reach.
            fallback_language: the version read when a document lacks ``language``.
            per_document: how many passages of one document at most (the best ranked).
        """
        if not self._passages:
            return []
        qvec = self._embedder.embed([query], "query")[0]
        scores = self._wholes @ qvec
        best_unit = np.full(len(self._passages), -np.inf, dtype=np.float32)
        np.maximum.at(best_unit, self._owners, self._units @ qvec - HUBNESS_WEIGHT * self._unit_hubness)
        ranks = (scores - HUBNESS_WEIGHT * self._whole_hubness + best_unit) / 2
        versions = self._versions((language, fallback_language))
        per_doc: dict[str, int] = {}
        hits: list[PassageHit] = []
        for i in np.argsort(-ranks, kind="stable"):
            passage = self._passages[int(i)]
            doc = passage.document
            if versions.get(doc.id) != doc.language or float(scores[i]) < min_score:
                continue
            if doc.id not in per_doc and len(per_doc) >= top_k:
                continue
            if per_doc.get(doc.id, 0) >= per_document:
                continue
            per_doc[doc.id] = per_doc.get(doc.id, 0) + 1
            hits.append(PassageHit(doc.id, doc.title, doc.language, passage.text, float(scores[i]), float(ranks[i])))
        return hits

    def relevance(self, queries: Sequence[str]) -> list[tuple[float, str]]:
        """How relevant the best passage of any document (in any language) is to each query, and that
        document's id: the whole passage's cosine similarity less :data:`HUBNESS_WEIGHT` times its hubness, so
        that a passage close to everything ("We reply within 24 hours.") does not make every query relevant.
        ``(-1.0, "")`` for each query when nothing is indexed."""
        if not self._passages or not queries:
            return [(-1.0, "") for _ in queries]
        adjusted = self._embedder.embed(list(queries), "query") @ self._wholes.T - HUBNESS_WEIGHT * self._whole_hubness
        best = adjusted.argmax(axis=1)
        return [(float(adjusted[row, i]), self._passages[int(i)].document.id) for row, i in enumerate(best.tolist())]

    def _versions(self, languages: tuple[str, str]) -> dict[str, str]:
        """The language each document is read in: the first of ``languages`` it has, else its first version."""
        return {
            doc_id: next((lang for lang in languages if lang in langs), langs[0])
            for doc_id, langs in self._languages.items()
        }
