"""The demo shop's story: every part of relevo in a few short conversations on the shop (``relevo demo``)."""

from __future__ import annotations

from relevo.orchestrator import Chapter

__all__ = ["STORY"]

STORY: tuple[Chapter, ...] = (
    Chapter(
        title="A question answered from the knowledge base",
        shows="the AI answers a policy question and names the article it quotes",
        customer="C-1006",
        script=("Hi! How many days do I have to return something I bought?", "Thanks!"),
    ),
    Chapter(
        title="A delayed order: compensation, escalation, takeover and hand-back",
        shows=(
            "the AI recognises the customer, finds the late order and why, and offers what her tier allows; "
            "a handoff packet with the customer, the order, the reasons and the attempts; the AI silent while "
            "a human owns the conversation; after a typed hand-back (what the human did, promised and changed) "
            "the AI continues without asking again and gives the delivery date the human set, not the carrier's "
            "older one"
        ),
        customer="C-1001",
        script=(
            "Hi, my headphones still haven't arrived",
            "Yes please",
            "This is the second time an order is late, I need it for a trip on Sunday. I want to talk to a person.",
            "/takeover Ana",
            "Hello? Is anyone there?",
            "/reply Hi Maria, Ana here. I've upgraded ORD-1042 to free express delivery: it arrives on Saturday.",
            "/handback did: upgraded ORD-1042 to free express delivery | promised: ORD-1042 arrives on Saturday"
            " | fact: shipment_estimated_delivery=Saturday",
            "Great. And can you confirm the status of the order now?",
            "/resolve",
        ),
    ),
)
