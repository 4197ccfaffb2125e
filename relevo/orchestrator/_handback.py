"""A typed hand-back written as one line, and what a hand-back writes into the conversation's records.

The line form (CLI scripts, ``relevo chat``, scenario steps) is parts separated by ``|``::

    /handback Rebooked the visit | did: moved the visit to Friday | decided: no call-out fee
              | promised: a reminder on Thursday | fact: appointment_date=2026-12-04

A part without a keyword is the free-text note; ``did:`` an action, ``decided:`` a decision, ``promised:`` a
promise (a commitment by the human) and ``fact: name=value`` (or ``fact name=value``) a fact the human changed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError

from relevo._errors import BadInputError
from relevo.contracts import (
    FACT_NAME,
    Commitment,
    ConversationState,
    Fact,
    HandBack,
    HandBackReport,
    Promise,
)
from relevo.orchestrator._context import TurnIds
from relevo.tools import ToolRegistry

__all__ = ["describe_hand_back", "hand_back_records", "parse_hand_back"]

_KEYWORDS = {"did": "actions", "decided": "decisions", "promised": "promises", "promise": "promises"}
_KEYED = re.compile(r"^(did|decided|promised|promise|fact)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_FACT_BARE = re.compile(r"^fact\s+([A-Za-z][A-Za-z0-9_]*\s*=.*)$", re.IGNORECASE | re.DOTALL)


def parse_hand_back(text: str) -> HandBack:
    """The hand-back a line describes (the text after ``/handback``; see the module docstring).

    Raises:
        BadInputError: a typed part is empty or malformed (a fact without ``name=value``, a bad name, a fact
            set twice, an item over 500 characters), naming the part.
    """
    notes: list[str] = []
    parts: dict[str, list[Any]] = {"actions": [], "decisions": [], "promises": [], "facts": []}
    for raw in text.split("|"):
        part = " ".join(raw.split())
        if not part:
            continue
        bare = _FACT_BARE.match(part)
        keyed = _KEYED.match(part)
        if bare is not None:
            keyword, body = "fact", bare.group(1)
        elif keyed is not None:
            keyword, body = keyed.group(1).casefold(), keyed.group(2).strip()
        else:
            notes.append(part)
            continue
        if not body:
            raise BadInputError(f"hand-back part {part!r} is empty: write what after {keyword}:")
        if keyword == "fact":
            name, sep, value = body.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise BadInputError(f"hand-back part {part!r}: write a fact as fact: name=value")
            if re.match(FACT_NAME, name.strip()) is None:
                raise BadInputError(
                    f"hand-back part {part!r}: a fact name is lower-case letters, digits and underscores "
                    "(as the handoff card's FACTS name them)"
                )
            parts["facts"].append({"name": name.strip(), "value": value.strip()})
        elif keyword in ("promised", "promise"):
            parts["promises"].append({"what": body})
        else:
            parts[_KEYWORDS[keyword]].append(body)
    try:
        return HandBack.model_validate({"note": "; ".join(notes), **parts})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'hand-back'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise BadInputError(f"hand-back {text.strip()!r} does not validate: {problems}") from exc


def describe_hand_back(event: HandBack) -> str:
    """The hand-back as one line of the form :func:`parse_hand_back` reads (empty for an empty hand-back)."""
    parts = [event.note] if event.note else []
    parts += [f"did: {a}" for a in event.actions]
    parts += [f"decided: {d}" for d in event.decisions]
    parts += [f"promised: {p.what}" + (f" (by {p.due.isoformat()})" if p.due else "") for p in event.promises]
    parts += [f"fact: {f.name}={f.value}" for f in event.facts]
    return " | ".join(parts)


def hand_back_records(
    state: ConversationState,
    event: HandBack,
    *,
    agent: str,
    event_id: str,
    now: datetime,
    ids: TurnIds,
    tools: ToolRegistry | None = None,
) -> tuple[list[Fact], list[Commitment], HandBackReport]:
    """What ``agent``'s hand-back ``event`` (system event ``event_id``) writes: facts with the human as their
    source, the promises as commitments ``by="human"``, and the report of the rest.

    A fact the conversation has no record of yet, but that a tool result of the conversation named (a field the
    tool's declared effects record as that fact in ``tools``, or a field named alike), is first recorded with the
    tool's value, so the value the human superseded is kept and a later reading that repeats it is known to be
    out of date.
    """
    facts: list[Fact] = []
    for change in event.facts:
        if state.fact(change.name) is None:
            earlier = _tool_reading(state, change.name, tools)
            if earlier is not None:
                facts.append(earlier)
        facts.append(Fact(name=change.name, value=change.value, source=event_id, at=now, set_by=agent))
    commitments = [_commitment(p, ids, event_id) for p in event.promises]
    report = HandBackReport(
        event_id=event_id,
        agent=agent,
        at=now,
        note=event.note,
        actions=list(event.actions),
        decisions=list(event.decisions),
        promised=[p.what for p in event.promises],
        facts=[f.name for f in event.facts],
    )
    return facts, commitments, report


def _commitment(promise: Promise, ids: TurnIds, event_id: str) -> Commitment:
    return Commitment(id=ids("cmt"), what=promise.what, by="human", due=promise.due, source=event_id)


def _tool_reading(state: ConversationState, name: str, tools: ToolRegistry | None) -> Fact | None:
    """What the latest successful tool result of the conversation said about fact ``name``, as a fact.

    That is the scalar field the tool's declared effects record as fact ``name``, else its field ``name``, else
    its field ``f`` when the fact is named ``p_f`` and ``p`` is a word of the tool's name (``appointment_date``:
    ``date`` of ``get_appointment``), the way skills name the facts they record from a tool.
    """
    for record in reversed(state.tool_calls):
        if record.status != "ok":
            continue
        try:
            data: object = json.loads(record.result)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        fields = cast(dict[str, object], data)
        declared: list[str] = []
        if tools is not None and record.tool in tools:
            declared = [field for field, fact in tools.effects(record.tool).facts.items() if fact == name]
        for field in [*declared, *_field_names(name, record.tool)]:
            value = fields.get(field)
            if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
                return Fact(name=name, value=str(value), source=record.id)
    return None


def _field_names(name: str, tool: str) -> list[str]:
    """The result fields of ``tool`` that may hold fact ``name``: ``name`` itself, then ``f`` for ``p_f``."""
    words = name.split("_")
    tool_words = set(tool.split("_"))
    return [name] + ["_".join(words[i:]) for i in range(1, len(words)) if "_".join(words[:i]) in tool_words]
