"""One offline resolution in progress, and the skills a desk adds to the offline resolver.

An :class:`OfflineSkill` answers the turns it recognises (a question about an account, the answer to an offer)
with the helpers of :class:`OfflineTurn`: replies from the desk's texts, facts, attempts, grounding, tool calls
and knowledge-base answers. Everything it says is recorded as data, the same way the built-in answers are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._texts import ReplyTexts
from relevo.agents._toolbox import Toolbox
from relevo.contracts import Attempt, ConversationState, Fact, IntentCatalog, Signals, merge_facts

if TYPE_CHECKING:
    from relevo._config import ResolverConfig
    from relevo.agents._resolver import Resolution, ResolverTurn

__all__ = ["OfflineSkill", "OfflineTurn"]


class OfflineSkill(Protocol):
    """Teaches the offline resolver to answer more turns (``DeskBuilder.add_offline_skill``)."""

    def answer(self, turn: OfflineTurn) -> bool:
        """Answer ``turn`` and return True when it is this skill's to answer; return False (saying nothing) to
        leave it to the next skill or the built-in answers."""
        ...


class OfflineTurn:
    """The working state of one offline resolution: what is said, established and tried this turn."""

    def __init__(
        self,
        turn: ResolverTurn,
        out: Resolution,
        *,
        catalog: IntentCatalog,
        knowledge: KnowledgeBase,
        config: ResolverConfig,
        texts: ReplyTexts,
    ) -> None:
        self.turn = turn
        self.state: ConversationState = turn.state
        self.signals: Signals = turn.signals
        self.language: str = turn.signals.language
        self.toolbox: Toolbox = turn.toolbox
        self.catalog = catalog
        self.knowledge = knowledge
        self.config = config
        self.texts = texts
        self.out = out
        self.parts: list[str] = []

    # -- saying ----------------------------------------------------------------------------------------
    def render(self, key: str, **values: object) -> str:
        """The desk's reply text ``key`` in the customer's language."""
        return self.texts.render(key, self.language, **values)

    def word(self, key: str) -> str:
        """A status, tier or queue name in the customer's language."""
        return self.texts.word(key, self.language)

    def add(self, text: str) -> None:
        """Append a sentence to the reply."""
        self.parts.append(text)

    def say(self, key: str, action: str, target: str, outcome: str, **values: object) -> None:
        """Append reply text ``key`` and record the attempt it answers."""
        self.add(self.render(key, **values))
        self.attempt(action, target, outcome)

    # -- recording -------------------------------------------------------------------------------------
    def attempt(self, action: str, target: str, outcome: str, detail: str = "") -> None:
        """Record what was tried (``action``: kb_answer, tool_call, clarify or answer) and how it went."""
        self.out.attempts.append(
            Attempt.model_validate(
                {
                    "id": self.toolbox.context.new_id("att"),
                    "action": action,
                    "target": target,
                    "outcome": outcome,
                    "detail": detail,
                    "message_id": self.turn.message.id,
                }
            )
        )

    def fact(self, name: str, value: object, source: str, confidence: float = 1.0) -> Fact:
        """Record a fact with its provenance (a message id or a tool call id); returns the fact that holds now.

        That is the one recorded, unless a human agent set this fact at a hand-back and ``value`` is not newer
        than what they did (it repeats their value or one they superseded): then the human's fact, which a
        reply must state instead (``Fact.by_human``; see :func:`relevo.contracts.merge_facts`).
        """
        self.out.facts.append(
            Fact(name=name, value=str(value), source=source, confidence=confidence, at=self.turn.message.at)
        )
        current = self.current(name)
        assert current is not None
        return current

    def current(self, name: str) -> Fact | None:
        """The fact ``name`` as it holds now (this turn's records merged over the conversation's, a human's
        value outranking a tool's reading that is not newer), or ``None``."""
        if not any(f.name == name for f in self.out.facts):
            return self.state.fact(name)
        earlier = self.state.fact(name)
        merged = merge_facts([earlier] if earlier is not None else [], [f for f in self.out.facts if f.name == name])
        return merged[0]

    def known(self, name: str) -> str | None:
        """The value of a fact established this turn or earlier in the conversation (a human's, where a human
        set it), or ``None``."""
        fact = self.current(name)
        return fact.value if fact is not None else None

    def ground(self, source: str) -> None:
        """Say that the reply rests on ``source`` (a tool call id or an article id)."""
        self.out.grounding.append(source)

    def first_name_part(self) -> str:
        """``", Maria"`` for a known customer, ``""`` for a guest (for "Sorry{name_part}" style templates)."""
        customer = self.state.customer
        return f", {customer.given_name}" if customer.given_name else ""

    def earlier_attempts(self) -> list[Attempt]:
        """Attempts of earlier turns, oldest first."""
        return [a for a in self.state.attempts if a.message_id != self.turn.message.id]

    def earlier_intents(self) -> list[str]:
        """Intents of earlier customer turns, oldest first."""
        return [s.intent for s in self.state.signals if s.message_id != self.turn.message.id]

    # -- knowledge base --------------------------------------------------------------------------------
    def knowledge_answer(self, intent: str, *, required: bool) -> bool:
        """Answer from the knowledge base (narrowed to the intent's ``kb_topic``), citing the article.

        When nothing scores high enough: says "not sure" if ``required``, else nothing. A passage already said
        in this conversation gives way to the next relevant one (:meth:`KnowledgeBase.answer`). Returns whether
        it answered.
        """
        definition = self.catalog.get(intent)
        topic = definition.kb_topic if definition is not None else None
        found = self.knowledge.answer(
            self.turn.message.text,
            language=self.language,
            min_score=self.config.kb_min_score,
            margin=self.config.kb_margin,
            topic=topic,
            said=[m.text for m in self.state.messages if m.kind == "ai"],
        )
        if found is None:
            if required:
                self.say("not_sure", "kb_answer", topic or intent, "failed")
            return False
        self.add(self.render("kb_answer", passage=found.passage, title=found.title, article_id=found.article_id))
        self.ground(found.article_id)
        self.attempt("kb_answer", found.article_id, "answered", f"score {found.score:.3f}")
        return True

    def finish(self) -> Resolution:
        self.out.reply = " ".join(p.strip() for p in self.parts if p.strip())
        self.out.grounding = list(dict.fromkeys(self.out.grounding))
        return self.out
