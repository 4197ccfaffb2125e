"""Play a desk's story (scripted conversations, human-side commands included) and render what happened."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from relevo._errors import BadInputError
from relevo._transcript import packet_json, turn_json, turn_lines
from relevo.agents import render_card
from relevo.contracts import HandoffPacket
from relevo.orchestrator import Chapter, SupportDesk, TurnResult, parse_hand_back

__all__ = ["Chapter", "ChapterResult", "run_line", "run_story", "story_json", "story_text"]


@dataclass
class ChapterResult:
    chapter: Chapter
    conversation_id: str
    turns: list[TurnResult] = field(default_factory=list[TurnResult])
    packet: HandoffPacket | None = None


def run_story(desk: SupportDesk, story: tuple[Chapter, ...]) -> list[ChapterResult]:
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
        return desk.hand_back(conversation_id, parse_hand_back(line.removeprefix("/handback")))
    if line.startswith("/resolve"):
        return desk.resolve(conversation_id)
    command = _COMMAND.match(line)
    if command is not None:
        # A mistyped command is the operator's error, never a customer message sent to the AI.
        raise BadInputError(f"unknown command {command.group(0)}; commands: {', '.join(COMMANDS)}")
    return desk.send(conversation_id, line)


COMMANDS = ("/takeover AGENT", "/reply TEXT", "/handback [NOTE] [| did: … | fact: NAME=VALUE]", "/resolve")
"""The human side's commands a script line may hold (``relevo chat`` adds ``/card``, ``/quit``, ``/restart``)."""
_COMMAND = re.compile(r"^/[A-Za-z][\w-]*(?=\s|$)")


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
