"""The knowledge base the resolver answers from: articles, searched cross-lingually, quoted with their id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from relevo.contracts import Article
from relevo.models.offline import (
    Document,
    Embedder,
    PassageIndex,
    detect_declined_human_request,
    without_declined_clause,
)

__all__ = ["KnowledgeAnswer", "KnowledgeBase"]

_MARKDOWN = re.compile(r"\*\*|__|`")
"""Emphasis marks; headings and list markers stay, they tell where a passage ends."""


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    """A grounded passage: what to say and which article says it."""

    article_id: str
    title: str
    language: str
    passage: str
    score: float


class KnowledgeBase:
    """Articles indexed by passage; answers only when a passage clears the score threshold."""

    def __init__(self, embedder: Embedder, articles: Sequence[Article]) -> None:
        self.articles = {(a.id, a.language): a for a in articles}
        self.topics = {a.id: a.topic for a in articles}
        self._index = PassageIndex(
            embedder, [Document(a.id, a.title, a.language, _MARKDOWN.sub("", a.body)) for a in articles]
        )

    def relevance(self, questions: Sequence[str]) -> list[tuple[float, str]]:
        """For each question, how relevant the best passage of the whole knowledge base is (cosine similarity
        less hubness, see :meth:`PassageIndex.relevance`) and the topic of its article ("" with no articles)."""
        return [(score, self.topics.get(doc_id, "")) for score, doc_id in self._index.relevance(questions)]

    def answer(
        self,
        question: str,
        *,
        language: str,
        min_score: float,
        margin: float = 0.0,
        topic: str | None = None,
        said: Sequence[str] = (),
    ) -> KnowledgeAnswer | None:
        """The best passage for ``question`` in ``language`` (or English), or ``None`` if nothing is good enough.

        A passage the conversation has already heard (it appears in one of ``said``) gives way to the best
        ranked one it has not heard that still reaches ``min_score``: a follow-up about one item of a list gets
        the next relevant passage instead of the list again. Only when every relevant passage was said is the
        best one returned again (and the policy may then see a loop).

        Args:
            question: the customer's words.
            language: the customer's language; a translation of the best article is preferred.
            min_score: cosine similarity a passage must reach.
            margin: how much the best article must beat the runner-up by.
            topic: when the intent names a knowledge-base topic, articles of that topic are preferred.
            said: what the assistant already said in this conversation (its earlier replies).
        """
        declined = detect_declined_human_request(question, language)
        if declined is not None:
            # "I never asked for a human, I asked how long returns take": search for what was asked.
            question = without_declined_clause(question, declined) or question
        # Every relevant passage, so that the topic's articles are found even below other topics' best ones.
        everything = len(self._index)
        hits = self._index.search(
            question, language=language, top_k=everything, min_score=min_score, per_document=everything
        )
        if topic is not None:
            on_topic = [h for h in hits if self.topics.get(h.document_id) == topic]
            hits = on_topic or hits
        if not hits:
            return None
        best = hits[0]
        runner_up = next((h for h in hits if h.document_id != best.document_id), None)
        if margin and runner_up is not None and best.score - runner_up.score < margin:
            return None
        unheard = next((h for h in hits if not any(h.text in earlier for earlier in said)), best)
        return KnowledgeAnswer(unheard.document_id, unheard.title, unheard.language, unheard.text, unheard.score)
