"""The conversations the shop's benchmarks replay (``relevo bench turn``, ``serve``, ``llm-turn``).

These are the six conversations every published ``bench turn`` figure of the shop was measured on (README,
Performance): change them and the figures are no longer comparable with earlier runs.
"""

from __future__ import annotations

from relevo.orchestrator import BenchConversation

__all__ = ["BENCH"]

BENCH: tuple[BenchConversation, ...] = (
    BenchConversation("C-1001", ("Hi there", "my headphones still haven't arrived", "yes please", "thanks, bye")),
    BenchConversation(
        "C-1006", ("How many days do I have to return an item?", "and how long does the refund take?", "thank you")
    ),
    BenchConversation("C-1002", ("Hola", "¿Dónde está mi pedido?", "Quiero hablar con un agente")),
    BenchConversation("C-1003", ("Olá, quais são as formas de pagamento?", "posso pagar com boleto?", "obrigado")),
    BenchConversation(
        None, ("Hello, what are your opening hours?", "how much does shipping cost to Spain?", "ok thanks")
    ),
    BenchConversation("C-1004", ("Where is my order?", "can you track it please", "this is ridiculous, nobody helps")),
)
"""A known customer per language and a guest: small talk, a late order with an offer, policy questions, an
explicit request for a person, and an angry follow-up."""
