"""The question the assistant is waiting on: what it asked the customer for in its last reply.

The offline resolver and the desk's skills record a question as a ``clarify`` attempt (target: what was asked
for, such as a fact name); a declarative tool answer's question also names its intent in the attempt's detail.
A reply that supplies the asked value ("P-7777", "it's 555-1234", "mi número es P-7777") continues that
request: triage reads it as such, never as out of scope, and the resolver carries on with the request.
:func:`continued_request` is that rule, shared by the offline triage and the LLM triage (a model that reads
"P-7777" as out of scope or as a new topic is overruled the same way the offline classifier is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relevo.agents._intents import SMALL_TALK
from relevo.contracts import ConversationState, CustomerMessage, IntentCatalog

__all__ = [
    "ANSWER_CONFIDENCE",
    "TOOL_FACT_DETAIL",
    "PendingQuestion",
    "answers_question",
    "continued_request",
    "pending_question",
    "previous_topic",
]

TOOL_FACT_DETAIL = "tool answer for intent "
"""Detail prefix of the ``clarify`` attempt with which a declarative tool answer asks for a missing fact."""

_MAX_VALUE_WORDS = 6
"""A reply longer than this says more than a value ("my number is P-7777" has four words)."""
_VALUE_TOKEN = re.compile(r"\w*\d[\w./:+#-]*|[\w.+-]+@[\w-]+\.[\w.]+")
"""A word with a digit in it (an id, a phone number, a date, an amount) or an e-mail address."""
_QUESTION_MARK = re.compile(r"[?¿？]")
ANSWER_CONFIDENCE = 0.9
"""An answer to the assistant's own question is understood: it continues the request that asked it (at least
this confidence, above the low-confidence floor)."""


@dataclass(frozen=True)
class PendingQuestion:
    """What the assistant's last reply asked the customer for."""

    target: str
    """What was asked for: a fact name (``patient_id``) or a desk skill's clarify target (``account_number``)."""
    intent: str | None
    """The request waiting on the answer: the tool answer's intent, else the intent of the customer turn the
    question answered; ``None`` when that turn was small talk."""
    pattern: str | None = None
    """The fact's extraction pattern (one group), for a declarative tool answer's question."""


def pending_question(state: ConversationState, catalog: IntentCatalog, message_id: str) -> PendingQuestion | None:
    """The question the assistant's last reply asked, still unanswered when customer message ``message_id``
    arrives; ``None`` when that reply asked nothing, failed, or someone else spoke after it (a human agent,
    a hand-back)."""
    earlier = [a for a in state.attempts if a.message_id != message_id]
    if not earlier:
        return None
    asked = earlier[-1]
    if asked.by != "ai" or asked.action != "clarify" or asked.outcome != "answered":
        return None
    spoken = next(
        (m for m in reversed(state.messages) if m.kind != "customer" and m.id != message_id),
        None,
    )
    if spoken is None or spoken.kind != "ai":
        return None
    if asked.detail.startswith(TOOL_FACT_DETAIL):
        intent = asked.detail.removeprefix(TOOL_FACT_DETAIL)
        definition = catalog.get(intent)
        if definition is None or definition.tool is None:
            return None
        spec = next((f for f in definition.tool.facts if f.name == asked.target), None)
        return PendingQuestion(target=asked.target, intent=intent, pattern=spec.pattern if spec else None)
    turn = next((s for s in reversed(state.signals) if s.message_id == asked.message_id), None)
    intent = turn.intent if turn is not None and turn.intent not in SMALL_TALK else None
    return PendingQuestion(target=asked.target, intent=intent)


def answers_question(question: PendingQuestion, text: str) -> bool:
    """Whether ``text`` supplies what ``question`` asked for: it matches the fact's extraction pattern, or it
    is a short value-like reply (a few words, one of them with a digit in it, or an e-mail address)."""
    if question.pattern is not None and re.search(question.pattern, text, re.IGNORECASE) is not None:
        return True
    words = text.split()
    return 0 < len(words) <= _MAX_VALUE_WORDS and _VALUE_TOKEN.search(text) is not None


def continued_request(
    state: ConversationState,
    catalog: IntentCatalog,
    message: CustomerMessage,
    *,
    intent: str,
    confidence: float,
    out_of_scope: bool,
    min_confidence: float,
) -> str | None:
    """The request ``message`` continues by answering the assistant's pending question, else ``None``.

    ``intent``, ``confidence`` and ``out_of_scope`` are a classifier's reading of ``message`` (the offline
    engine's or a model's). ``message`` answers when the asked fact's pattern matches it, or it is a short
    value (:func:`answers_question`) that asks nothing of its own ("mi correo es lucia@…" answers; "is 2-day
    shipping extra?" asks), or a short value the reading could not place (out of scope, small talk, below
    ``min_confidence``). The request is the question's intent, else the latest earlier topic, else ``intent``.

    The caller rules out what is no answer first: a request for a human, a rejection of the last answer, a
    dialogue act ("no", "ok", "thanks").
    """
    pending = pending_question(state, catalog, message.id)
    if pending is None or not _continues(pending, message.text, intent, confidence, out_of_scope, min_confidence):
        return None
    return pending.intent or previous_topic(state) or intent


def _continues(
    pending: PendingQuestion, text: str, intent: str, confidence: float, out_of_scope: bool, min_confidence: float
) -> bool:
    if pending.pattern is not None and re.search(pending.pattern, text, re.IGNORECASE) is not None:
        return True
    if not answers_question(pending, text):
        return False
    unplaced = out_of_scope or intent in SMALL_TALK or confidence < min_confidence
    return unplaced or _QUESTION_MARK.search(text) is None


def previous_topic(state: ConversationState) -> str | None:
    """The intent of the latest earlier customer turn that was about something (not small talk)."""
    return next((s.intent for s in reversed(state.signals) if s.intent not in SMALL_TALK), None)
