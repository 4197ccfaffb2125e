"""A small rule-driven customer: reacts to what the desk did (data, never prose) with seeded phrasing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from relevo.contracts import ConversationState
from relevo.evals._scenario import Persona, SimulatedCustomer

__all__ = ["CustomerSimulator"]

_INSIST: dict[str, tuple[str, ...]] = {
    "en": ("That doesn't help me.", "That didn't help, it doesn't answer my question.", "No, that's not helpful."),
    "es": ("Eso no me ayuda.", "Eso no me sirve, no responde a mi pregunta.", "No, eso no me ayuda nada."),
    "pt": ("Isso não me ajuda.", "Isso não ajudou, não responde à minha pergunta.", "Não, isso não ajuda."),
    "vi": ("Điều đó không giúp được tôi.", "Câu trả lời đó không giúp ích gì.", "Không, như vậy không giúp được."),
}
_ASK_HUMAN: dict[str, tuple[str, ...]] = {
    "en": ("I want to talk to a human.", "Can I speak to a real person, please?", "Let me talk to an agent."),
    "es": ("Quiero hablar con un agente.", "Quiero hablar con una persona, por favor."),
    "pt": ("Quero falar com um atendente.", "Quero falar com uma pessoa, por favor."),
    "vi": ("Tôi muốn nói chuyện với nhân viên.", "Cho tôi nói chuyện với nhân viên hỗ trợ."),
}
_THANKS = {"en": "Thanks, bye!", "es": "¡Gracias, adiós!", "pt": "Obrigado, tchau!", "vi": "Cảm ơn, tạm biệt!"}
_YES = {"en": "Yes please", "es": "Sí, por favor", "pt": "Sim, por favor", "vi": "Vâng, được"}
_NO = {"en": "No thanks", "es": "No, gracias", "pt": "Não, obrigado", "vi": "Không, cảm ơn"}


@dataclass
class CustomerSimulator:
    """Decides the customer's next line from the conversation state after the desk's last turn."""

    spec: SimulatedCustomer
    persona: Persona
    rng: random.Random
    turns: int = 0
    insisted: int = 0
    asked_human: bool = False
    given: set[str] = field(default_factory=set[str])
    """Facts already given (each is given once: asked again, the customer does not repeat it)."""
    queued: list[str] = field(default_factory=list[str])
    handed_off: bool = False

    def first(self) -> str:
        self.turns = 1
        return self.spec.opening

    def next(self, state: ConversationState, asked_for: set[str]) -> str | None:
        """The next step (a customer line or a /command), or None when the customer is done.

        Args:
            state: the conversation after the last step.
            asked_for: the facts the AI asked for in its last reply (its clarify attempts' targets); those the
                scenario's ``answers`` holds and the customer has not given yet are answered first.
        """
        if self.queued:
            return self._step(self.queued.pop(0))
        if state.mode in ("pending_human", "human_active") and not self.handed_off:
            self.handed_off = True
            self.queued = list(self.spec.after_handoff)
            return self._step(self.queued.pop(0)) if self.queued else None
        if state.mode != "ai_active" or self.turns >= self.spec.max_turns:
            return None
        lang = self.persona.language
        wanted = [name for name in self.spec.answers if name in asked_for and name not in self.given]
        if wanted:
            self.given.update(wanted)
            # The value alone, as customers answer a question (the same in every language): wrapped in a phrase
            # ("It's ...") a short answer can read as out of scope to the triage.
            return self._customer(", ".join(self.spec.answers[name] for name in wanted))
        if state.pending_offer is not None:
            return self._customer(_YES[lang] if self.spec.accept_offer else _NO[lang])
        limit = self.persona.patience if self.spec.insist is None else self.spec.insist
        if self.insisted < limit:
            self.insisted += 1
            lines = self.spec.insist_lines or list(_INSIST[lang])
            return self._customer(self.rng.choice(lines))
        if self.spec.then == "ask_human" and not self.asked_human:
            self.asked_human = True
            return self._customer(self.spec.then_line or self.rng.choice(_ASK_HUMAN[lang]))
        if self.spec.then == "thank" and not self.asked_human:
            self.asked_human = True
            return self._customer(self.spec.then_line or _THANKS[lang])
        return None

    def _customer(self, line: str) -> str:
        self.turns += 1
        return line

    def _step(self, line: str) -> str:
        if not line.startswith("/"):
            self.turns += 1
        return line
