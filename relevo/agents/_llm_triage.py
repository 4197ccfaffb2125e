"""Triage on an LLM: structured output validated against a schema built from the intent catalog.

The lexical detectors of the offline engine still run: an explicit request for a human or a sensitive topic
they find is kept even when the model misses it (the rule engine stays in charge of escalation). An answer to
the assistant's own question ("P-7777" after "What is your patient number?") continues the request that asked
it, whatever the model read: the offline triage's rule (``relevo.agents._pending.continued_request``).
"""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from relevo._errors import ModelError
from relevo.agents._history import transcript_as_text
from relevo.agents._intents import OUT_OF_SCOPE
from relevo.agents._pending import ANSWER_CONFIDENCE, continued_request
from relevo.agents._texts import render_from
from relevo.agents._triage import OfflineTriage
from relevo.contracts import ConversationState, CustomerMessage, IntentScore, Signals
from relevo.models import CallLedger, ModelChain, ModelRequest, SystemTurn, UserTurn
from relevo.models.offline import detect_dialogue_act

__all__ = ["LLMTriage", "TriageVerdict"]


class TriageVerdict(BaseModel):
    """The fields an LLM must return for one message (``intent`` is narrowed to the catalog per deployment)."""

    intent: str
    confidence: float = Field(ge=0, le=1)
    sentiment: float = Field(ge=-1, le=1)
    urgency: float = Field(ge=0, le=1)
    explicit_human_request: bool
    out_of_scope: bool
    language: str = Field(min_length=2, max_length=8)

    @field_validator("confidence", "sentiment", "urgency", mode="before")
    @classmethod
    def _clamp(cls, value: object, info: ValidationInfo) -> object:
        """Scores outside their range are clamped, not rejected: grammar-constrained decoding (llama.cpp) can
        guarantee a number but not its bounds, and an overconfident 5 still means "very sure"."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return value  # not a number: let validation say so
        low = -1.0 if info.field_name == "sentiment" else 0.0
        return min(max(float(value), low), 1.0)


class LLMTriage:
    """Classifies with a model chain; language detection and lexical cues come from the offline engine."""

    def __init__(
        self,
        chain: ModelChain,
        offline: OfflineTriage,
        *,
        desk_name: str = "this company",
        scope: str = "your questions",
        on_failure: Literal["handoff", "offline"] = "handoff",
        min_confidence: float = 0.0,
    ) -> None:
        self.chain = chain
        self.min_confidence = min_confidence
        self.on_failure = on_failure
        self.offline = offline
        self.desk_name = desk_name
        self.scope = scope
        names = tuple(i.name for i in offline.catalog.intents)
        if OUT_OF_SCOPE not in names:
            names = (*names, OUT_OF_SCOPE)
        self._schema = cast(
            type[TriageVerdict],
            create_model("TriageVerdict", __base__=TriageVerdict, intent=(Literal[names], ...)),  # type: ignore[valid-type]
        )
        self._catalog_text = "\n".join(f"- {i.name}: {i.description}" for i in offline.catalog.intents)

    def detect_language(self, text: str, hint: str | None) -> str:
        return self.offline.detect_language(text, hint)

    def assess(self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None) -> Signals:
        return self.refine(state, message, self.provisional(state, message), calls)

    def provisional(self, state: ConversationState, message: CustomerMessage) -> Signals:
        """The offline engine's reading, with no model call: what the policy decides on while the model's
        triage runs beside the resolver (see :meth:`refine`)."""
        return self.offline.assess(state, message)

    def refine(
        self, state: ConversationState, message: CustomerMessage, lexical: Signals, calls: CallLedger | None = None
    ) -> Signals:
        """The model's reading merged over the offline engine's ``lexical`` one (one model call)."""
        request = ModelRequest(
            messages=[
                SystemTurn(
                    content=render_from(
                        "prompts",
                        "triage_system",
                        "en",
                        desk_name=self.desk_name,
                        scope=self.scope,
                        catalog=self._catalog_text,
                    )
                ),
                UserTurn(
                    content=render_from(
                        "prompts",
                        "triage_user",
                        "en",
                        history=transcript_as_text(state.messages[:-1]),
                        message=message.text,
                    )
                ),
            ],
            max_tokens=200,
        )
        try:
            verdict = self.chain.structured(request, self._schema, calls or CallLedger())
        except ModelError as exc:
            # The offline engine's reading stands; with on_failure="handoff" the policy hands off (model_error).
            return lexical if self.on_failure == "offline" else lexical.model_copy(update={"model_error": str(exc)})
        human = verdict.explicit_human_request or lexical.explicit_human_request
        # Two readings of one message: the model's intent wins unless it did not understand the message (below
        # ``min_confidence``) while the offline classifier did. A small local model reading everything as one
        # intent at 0.1 must not turn an understood "Thanks!" into a low-confidence turn and a handoff.
        if verdict.confidence >= self.min_confidence or lexical.confidence < self.min_confidence:
            intent, confidence = verdict.intent, verdict.confidence
            out_of_scope = verdict.out_of_scope or verdict.intent == OUT_OF_SCOPE
            runner_up = IntentScore(intent=lexical.intent, score=lexical.confidence)
        else:
            intent, confidence = lexical.intent, lexical.confidence
            out_of_scope = lexical.out_of_scope
            runner_up = IntentScore(intent=verdict.intent, score=round(verdict.confidence, 4))
        if (
            not human
            and not lexical.rejects_previous_answer
            and detect_dialogue_act(message.text, message.language) is None
        ):
            continued = continued_request(
                state,
                self.offline.catalog,
                message,
                intent=intent,
                confidence=confidence,
                out_of_scope=out_of_scope,
                min_confidence=self.offline.config.min_confidence,
            )
            if continued is not None:
                # The model read "P-7777", sent after our "What is your patient number?", as off-topic or as a new
                # topic: it answers our own question and continues the request that asked it.
                intent, confidence, out_of_scope = continued, max(confidence, ANSWER_CONFIDENCE), False
        return lexical.model_copy(
            update={
                "intent": OUT_OF_SCOPE if out_of_scope and not human else intent,
                "confidence": round(confidence, 4),
                "alternatives": [runner_up],
                "sentiment": round(min(verdict.sentiment, lexical.sentiment), 4),
                "urgency": round(max(verdict.urgency, lexical.urgency), 4),
                "explicit_human_request": human,
                "human_request_evidence": lexical.human_request_evidence
                or ("model: " + message.text[:80] if human else ""),
                "out_of_scope": out_of_scope and not human,
            }
        )
