"""The handoff card: the packet as a human reads it (console, CLI, helpdesk notes)."""

from __future__ import annotations

from relevo.contracts import Fact, HandBackReport, HandoffPacket

__all__ = ["render_card"]


def render_card(packet: HandoffPacket, *, width: int = 78) -> str:
    """Plain-text card for ``packet``; every section the human needs, in the order they need it."""
    c = packet.customer
    who = f"{c.name} · {c.tier} · {c.id}" if not c.is_guest else f"guest · {c.id}"
    r = packet.route
    rule = "─" * width
    lines = [
        rule,
        f"HANDOFF  {who}",
        f"route    {r.queue}/{r.skill} · {r.language} · priority {r.priority} · via {packet.channel}",
        f"intent   {packet.intent} ({packet.intent_confidence:.2f})"
        + (
            f" · also {', '.join(i.intent for i in packet.intents if i.intent != packet.intent)}"
            if len(packet.intents) > 1
            else ""
        ),
        f"mood     sentiment {packet.sentiment.direction} {_series(packet.sentiment.values)}"
        f" · urgency {packet.urgency.direction} {_series(packet.urgency.values)}",
        rule,
        "WHY",
        *[f"  • {reason.code}: {reason.evidence}" for reason in packet.reasons],
        "SUMMARY",
        f"  {packet.summary}",
        "FACTS",
        *([line for f in packet.facts for line in _fact_lines(f)] or ["  (none)"]),
        "TRIED",
        *(
            [
                f"  • {a.by}: {a.action} {a.target} → {a.outcome}" + (f" ({a.detail})" if a.detail else "")
                for a in packet.attempts
            ]
            or ["  (nothing yet)"]
        ),
        "PROMISED",
        *([f"  • {m.by}: {m.what}" for m in packet.commitments] or ["  (nothing)"]),
    ]
    if packet.hand_backs:
        lines += ["HANDED BACK", *[line for report in packet.hand_backs for line in _hand_back_lines(report)]]
    if packet.missing_facts or packet.open_questions:
        lines += ["OPEN", *[f"  • {q}" for q in packet.open_questions]]
    if packet.memory_highlights:
        lines += ["HISTORY", *[f"  • {h}" for h in packet.memory_highlights]]
    lines += ["NEXT", f"  {packet.suggested_next_step}", f"transcript {packet.transcript_ref}", rule]
    return "\n".join(lines)


def _series(values: list[float]) -> str:
    return "[" + " ".join(f"{v:+.2f}" for v in values[-5:]) + "]" if values else "[]"


def _fact_lines(fact: Fact) -> list[str]:
    """The fact, then the values it replaced, oldest first, each with its source."""
    lines = [f"  • {fact.name} = {fact.value}   [{_source(fact.source, fact.set_by)}]"]
    lines += [f"      was {v.value}   [{_source(v.source, v.set_by)}]" for v in fact.superseded]
    return lines


def _source(source: str, set_by: str) -> str:
    return f"{set_by}, {source}" if set_by else source


def _hand_back_lines(report: HandBackReport) -> list[str]:
    lines = [f"  • {report.agent} [{report.event_id}]" + (f": {report.note}" if report.note else "")]
    lines += [f"      did: {a}" for a in report.actions]
    lines += [f"      decided: {d}" for d in report.decisions]
    lines += [f"      promised: {p}" for p in report.promised]
    lines += [f"      set: {', '.join(report.facts)}"] if report.facts else []
    return lines
