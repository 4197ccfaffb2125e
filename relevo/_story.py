"""The demo story: every part of relevo in a few short conversations on the demo store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relevo._transcript import packet_json, turn_json, turn_lines
from relevo.agents import render_card
from relevo.contracts import HandoffPacket
from relevo.orchestrator import SupportDesk, TurnResult

__all__ = ["STORY", "Chapter", "run_line", "run_story"]


@dataclass(frozen=True)
class Chapter:
    """One conversation of the story: who, what they (and the human agent) say, and what it shows."""

    title: str
    shows: str
    customer: str | None
    script: tuple[str, ...]


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
            "a human owns the conversation; after the hand-back the AI continues without asking again"
        ),
        customer="C-1001",
        script=(
            "Hi, my headphones still haven't arrived",
            "Yes please",
            "This is the second time an order is late, I need it for a trip on Sunday. I want to talk to a person.",
            "/takeover Ana",
            "Hello? Is anyone there?",
            "/reply Hi Maria, Ana here. I've upgraded ORD-1042 to free express delivery: it arrives on Saturday.",
            "/handback Upgraded ORD-1042 to free express delivery, arriving Saturday",
            "Great. And can you confirm the status of the order now?",
            "/resolve",
        ),
    ),
)


@dataclass
class ChapterResult:
    chapter: Chapter
    conversation_id: str
    turns: list[TurnResult] = field(default_factory=list[TurnResult])
    packet: HandoffPacket | None = None


def run_story(desk: SupportDesk, story: tuple[Chapter, ...] = STORY) -> list[ChapterResult]:
    """Run every chapter of ``story`` on ``desk`` and return what happened."""
    results: list[ChapterResult] = []
    for chapter in story:
        conv = desk.start(customer_id=chapter.customer, channel="web")
        result = ChapterResult(chapter, conv)
        for line in chapter.script:
            result.turns.append(run_line(desk, conv, line))
        result.packet = desk.state(conv).packet
        results.append(result)
    return results


def run_line(desk: SupportDesk, conversation_id: str, line: str) -> TurnResult:
    """One script line: a customer message, or a human-side command (``/takeover``, ``/reply``, …)."""
    if line.startswith("/takeover"):
        return desk.takeover(conversation_id, line.removeprefix("/takeover").strip())
    if line.startswith("/reply"):
        return desk.human_reply(conversation_id, line.removeprefix("/reply").strip())
    if line.startswith("/handback"):
        return desk.hand_back(conversation_id, line.removeprefix("/handback").strip())
    if line.startswith("/resolve"):
        return desk.resolve(conversation_id)
    return desk.send(conversation_id, line)


def story_json(results: list[ChapterResult]) -> dict[str, Any]:
    return {
        "chapters": [
            {
                "title": r.chapter.title,
                "shows": r.chapter.shows,
                "conversation_id": r.conversation_id,
                "customer": r.chapter.customer,
                "turns": [turn_json(t) for t in r.turns],
                "packet": packet_json(r.packet),
            }
            for r in results
        ]
    }


def story_text(results: list[ChapterResult]) -> str:
    out: list[str] = []
    for n, r in enumerate(results, 1):
        out += ["", f"{n}. {r.chapter.title}", f"   shows: {r.chapter.shows}", ""]
        for turn in r.turns:
            out += turn_lines(turn)
        if r.packet is not None:
            out += ["", render_card(r.packet)]
    return "\n".join(out)
