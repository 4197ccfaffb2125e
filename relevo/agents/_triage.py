"""Triage: what does the customer want, how do they feel, how urgent is it, do they ask for a human?"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from relevo._config import TriageConfig
from relevo.agents._intents import OUT_OF_SCOPE
from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._pending import ANSWER_CONFIDENCE, continued_request, previous_topic
from relevo.contracts import (
    ConversationState,
    CustomerMessage,
    IntentCatalog,
    IntentScore,
    Signals,
)
from relevo.models import CallLedger
from relevo.models.offline import (
    CueMatch,
    DialogueAct,
    Embedder,
    IntentClassifier,
    agrees,
    detect_declined_human_request,
    detect_dialogue_act,
    detect_human_request,
    detect_language,
    detect_rejection,
    detect_sensitive,
    detect_urgency,
    extract_amounts,
    language_vocabulary,
    names_no_topic,
    score_sentiment,
    without_accents,
    without_declined_clause,
)

__all__ = ["OfflineTriage", "Triage"]


class Triage(Protocol):
    """Reads one customer message in the context of its conversation."""

    def detect_language(self, text: str, hint: str | None) -> str: ...

    def assess(
        self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None
    ) -> Signals: ...


class OfflineTriage:
    """Triage on the embedded engine: a calibrated classifier over the intent catalog plus lexical cues."""

    def __init__(
        self,
        catalog: IntentCatalog,
        embedder: Embedder,
        config: TriageConfig,
        *,
        default_language: str = "en",
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        """``default_language``: the desk's first language, what a message that tells nothing (a guest's "ok")
        is read as, and the winner of a tie between languages ("reembolso": Spanish or Portuguese).

        ``knowledge``: the desk's articles. A message the intents do not place (out of scope by the classifier)
        is still in scope when a passage answers it clearly: more relevant than to any of the catalog's own
        out-of-scope examples (weather, jokes, homework), by :data:`_KNOWLEDGE_MARGIN`. "¿puedo pagar con
        transferencia?" is answered by the payment article though no billing example says it."""
        texts, labels = catalog.training_pairs()
        # Customers drop accents ("don hang cua toi dau roi"); the examples are taught both ways.
        plain = [(without_accents(t), label) for t, label in zip(texts, labels, strict=True) if without_accents(t) != t]
        texts, labels = [*texts, *(t for t, _ in plain)], [*labels, *(label for _, label in plain)]
        self.catalog = catalog
        self.classifier = IntentClassifier.fit(embedder, texts, labels)
        self.config = config
        languages, self.vocabulary = _catalog_vocabulary(catalog)
        self.default_language = default_language
        self.languages = tuple(dict.fromkeys([default_language, *languages])) if languages else ()
        self.knowledge = knowledge
        self.topic_intents = {i.kb_topic: i.name for i in catalog.intents if i.kb_topic}
        self.knowledge_floor = _knowledge_floor(catalog, knowledge)

    def detect_language(self, text: str, hint: str | None) -> str:
        """The message's language among the catalog's, with ``hint`` (the conversation's or the profile's
        language) as the prior; ``hint`` or the desk's default language when the text tells nothing."""
        guess = detect_language(text, hint=hint, languages=self.languages or None, vocabulary=self.vocabulary)
        return guess.language if guess.language != "und" else (hint or self.default_language)

    def assess(self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None) -> Signals:
        text = message.text
        language = message.language
        human = detect_human_request(text, language)
        # "I don't need a human, just tell me my balance": the declined part is no request, and the
        # rest of the sentence is what the customer wants.
        declined = detect_declined_human_request(text, language) if human is None else None
        read = without_declined_clause(text, declined) if declined is not None else text
        prediction = self.classifier.predict([read or text])[0]
        intent, confidence = prediction.label, prediction.confidence
        alternatives = [(label, p) for label, p in prediction.alternatives]
        if declined is not None and intent == _HUMAN_AGENT:
            intent, confidence = self._instead_of_a_human(read, alternatives)
        # Unlike every example, or too unsure among the intents: the floors are calibrated on the catalog.
        unlike = self.classifier.is_out_of_scope(prediction, similarity_margin=self.config.similarity_margin)
        out_of_scope = intent == OUT_OF_SCOPE or unlike
        act = detect_dialogue_act(text, language) if human is None else None
        act_intent = _ACT_INTENTS[act] if act is not None else None
        if act_intent is not None and self.catalog.get(act_intent) is not None:
            # "no", "ok", "that's all": three letters say little to an embedding; the lexicon knows them.
            intent, confidence, out_of_scope = act_intent, max(confidence, _ACT_CONFIDENCE), False
        elif intent == _AFFIRM and not agrees(text, language):
            # A yes may accept an offer that spends money: it must say so in words ("yes", "sí", "pode", "vâng"),
            # not merely look like one to the embedding ("the first one" read as affirm at 0.63).
            confidence = min(confidence, _VAGUE_CONFIDENCE)
        elif human is None and names_no_topic(read):
            # "a question about the thing": nothing in it is off-topic, nothing in it can be answered.
            confidence, out_of_scope = min(confidence, _VAGUE_CONFIDENCE), False
            if intent == OUT_OF_SCOPE:
                intent = next((label for label, _ in alternatives if label != OUT_OF_SCOPE), intent)
        if out_of_scope and human is None and act is None:
            grounded = self._grounded_intent(read or text)
            if grounded is not None:
                intent, confidence, out_of_scope = grounded, max(confidence, self.config.min_confidence), False
        rejection = detect_rejection(text, language) if _ai_spoke(state) else None
        if rejection is not None and human is None:
            # "that didn't help" is no "no thanks" and nothing off-topic: the customer rejects the last answer,
            # still about what they asked (the repeated_failure rule counts it; the resolver never closes on it).
            topic = previous_topic(state)
            if topic is not None and (intent in _CLOSING_INTENTS or out_of_scope or _only(rejection, text)):
                intent = topic
            elif intent == OUT_OF_SCOPE or out_of_scope:
                # Rejecting our redirect is still no off-topic message: it reads as a no to what we said.
                intent = "deny" if self.catalog.get("deny") is not None else intent
            out_of_scope = False
        elif human is None and act is None:
            continued = continued_request(
                state,
                self.catalog,
                message,
                intent=intent,
                confidence=confidence,
                out_of_scope=out_of_scope,
                min_confidence=self.config.min_confidence,
            )
            if continued is not None:
                # "P-7777" after "What is your patient number?": an answer to our own question, never off-topic.
                intent, confidence, out_of_scope = continued, max(confidence, ANSWER_CONFIDENCE), False
        sentiment = score_sentiment(text, language)
        urgency = detect_urgency(text, language)
        sensitive = detect_sensitive(text, language)
        if human is not None or intent == _HUMAN_AGENT:
            # Asking for a person is not an out-of-scope message, whatever else the text says.
            out_of_scope = False
        return Signals(
            message_id=message.id,
            intent=OUT_OF_SCOPE if out_of_scope else intent,
            confidence=round(confidence, 4),
            alternatives=[IntentScore(intent=label, score=round(p, 4)) for label, p in alternatives],
            sentiment=round(sentiment.score, 4),
            sentiment_evidence=list(sentiment.evidence),
            urgency=round(min(1.0, urgency.score + max(0.0, -sentiment.score) * 0.3), 4),
            explicit_human_request=human is not None,
            human_request_evidence=human.evidence if human is not None else "",
            out_of_scope=out_of_scope,
            language=language,
            rejects_previous_answer=rejection is not None,
            sensitive_topics=sorted({match.topic for match in sensitive if match.topic}),
            amounts=extract_amounts(text),
        )

    def _grounded_intent(self, text: str) -> str | None:
        """The intent whose knowledge-base topic clearly answers ``text`` (see ``knowledge``), if any."""
        if self.knowledge is None or self.knowledge_floor is None:
            return None
        score, topic = self.knowledge.relevance([text])[0]
        return self.topic_intents.get(topic) if score >= self.knowledge_floor else None

    def _instead_of_a_human(self, rest: str, alternatives: list[tuple[str, float]]) -> tuple[str, float]:
        """What a customer who declined a human wants: the best other intent, or a plain no."""
        if _ANY_LETTER.search(rest):
            for label, p in alternatives:
                if label not in (_HUMAN_AGENT, OUT_OF_SCOPE):
                    return label, p
        deny = "deny" if self.catalog.get("deny") is not None else OUT_OF_SCOPE
        return deny, _ACT_CONFIDENCE


_HUMAN_AGENT = "human_agent"
_ACT_INTENTS: dict[DialogueAct, str] = {
    "decline": "deny",
    "acknowledge": "affirm",
    "close": "thanks_goodbye",
    "greet": "greeting",
}
_ACT_CONFIDENCE = 0.95
_CLOSING_INTENTS = frozenset({"deny", "affirm", "thanks_goodbye"})
_VAGUE_CONFIDENCE = 0.2
"""Below the resolver's "not sure" line: the assistant asks what the customer means."""
_AFFIRM = "affirm"
_ANY_LETTER = re.compile(r"[^\W\d_]")


_KNOWLEDGE_MARGIN = 0.02
"""How much more relevant than every out-of-scope example a passage must be to bring a message back in scope.
Measured on three desks (the telecom example, the demo, a dental desk made with relevo init) with 32 off-topic
questions in four languages other than the catalog's examples: the most relevant passage of an off-topic question
came at most 0.013 above the examples' maximum; the in-scope questions the intents missed and a passage answers
came 0.028-0.037 above it (three of six; the other three were no closer to any passage than off-topic ones)."""


def _knowledge_floor(catalog: IntentCatalog, knowledge: KnowledgeBase | None) -> float | None:
    """The relevance a passage needs to bring a message back in scope: the highest any of the catalog's
    out-of-scope examples reaches, plus :data:`_KNOWLEDGE_MARGIN`. None without articles or such examples."""
    definition = catalog.get(OUT_OF_SCOPE)
    if knowledge is None or definition is None:
        return None
    examples = [example for texts in definition.examples.values() for example in texts]
    scores = [score for score, topic in knowledge.relevance(examples) if topic]
    return max(scores) + _KNOWLEDGE_MARGIN if scores else None


def _catalog_vocabulary(catalog: IntentCatalog) -> tuple[list[str], dict[str, dict[str, float]]]:
    """The catalog's languages (in the order they first appear), and the words of its examples with the
    languages they were written in."""
    written = [(language, example) for i in catalog.intents for language, ex in i.examples.items() for example in ex]
    return list(dict.fromkeys(language for language, _ in written)), language_vocabulary(written)


def _only(cue: CueMatch, text: str) -> bool:
    """Whether ``text`` says little besides ``cue`` ("sorry, that didn't help"): at most two other words."""
    nfc = unicodedata.normalize("NFC", text)
    start, end = cue.span
    return len(_ANY_WORD.findall(f"{nfc[:start]} {nfc[end:]}")) <= _MAX_OTHER_WORDS


_ANY_WORD = re.compile(r"[^\W\d_]+")
_MAX_OTHER_WORDS = 2


def _ai_spoke(state: ConversationState) -> bool:
    return any(m.kind == "ai" for m in state.messages)
