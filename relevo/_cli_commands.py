"""The CLI's commands (kept apart from argument parsing so ``relevo --help`` stays instant)."""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from relevo._config import RelevoConfig
from relevo._data_dir_lock import DataDirLock
from relevo._errors import BadInputError, RelevoError
from relevo._story import Chapter, run_line, run_story, story_json, story_text
from relevo._transcript import SIGNAL_KEYS, packet_json, turn_json, turn_lines
from relevo.agents import OfflineTriage, render_card
from relevo.contracts import ConversationState, CustomerMessage, CustomerRef
from relevo.desks import DeskDefinition
from relevo.evals import ScriptedTurn, load_suites
from relevo.orchestrator import DeskBuilder, default_embedder, normalise_text

__all__ = ["chat", "chat_script", "demo", "desk_story", "graph", "triage"]

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def desk_story(desk: DeskDefinition, builder: DeskBuilder | None = None) -> tuple[Chapter, ...]:
    """What ``relevo demo`` plays: the desk's own story (``DeskBuilder.with_story``), else one chapter per
    scripted scenario of the desk (empty when it has neither). ``builder``: the desk's builder when already made."""
    builder = builder or desk.builder()
    if builder.story:
        return builder.story
    if builder.scenarios is None:
        return ()
    chapters: list[Chapter] = []
    for suite in load_suites([], scenarios=builder.scenarios):
        for scenario in suite.scenarios:
            if not scenario.turns:
                continue
            lines = tuple(t.say if isinstance(t, ScriptedTurn) else t for t in scenario.turns)
            title = scenario.title or scenario.id
            chapters.append(
                Chapter(
                    title=title, shows=f"{suite.name}/{scenario.id}", customer=scenario.setup.customer, script=lines
                )
            )
    return tuple(chapters)


def demo(config: RelevoConfig, desk: DeskDefinition, *, data_dir: Path | None, as_json: bool) -> int:
    builder = desk.builder(config)
    story = desk_story(desk, builder)
    if not story:
        raise BadInputError(
            f"desk {desk.reference} has no story and no scripted scenarios to play (add some under scenarios/)"
        )
    with tempfile.TemporaryDirectory(prefix="relevo-demo-") as tmp:
        root = data_dir or Path(tmp)
        if not as_json:
            print(
                "relevo demo — loading the offline engine (first run embeds the catalog, ~1 min)…",
                file=sys.stderr,
            )
        with builder.open(root) as opened:
            results = run_story(opened, story)
        if as_json:
            print(json.dumps(story_json(results), ensure_ascii=False, indent=2))
        else:
            print(story_text(results))
    return 0


def chat_script(
    config: RelevoConfig,
    definition: DeskDefinition,
    *,
    script: Path,
    customer: str | None,
    data_dir: Path | None,
    conversation: str | None,
    as_json: bool,
) -> int:
    try:
        raw = script.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read script {script}: {exc.strerror}") from exc
    lines = [line for line in raw.decode("utf-8", errors="replace").splitlines() if line.strip()]
    root = data_dir or config.storage.data_dir
    lock = DataDirLock.for_config(config, root, purpose="relevo chat")  # one writer per data directory
    builder = definition.builder(config)
    try:
        desk = builder.open(root)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    try:
        conv = conversation or desk.start(customer_id=customer)
        if conversation is not None:
            desk.state(conversation)
        turns: list[dict[str, Any]] = []
        for line in lines:
            if line.strip() == "/restart":
                desk.close()
                desk = definition.builder(config).open(root)
                turns.append(_system_turn("/restart", desk.state(conv).mode))
                continue
            if line.strip() == "/card":
                state = desk.state(conv)
                packet = state.packet
                turns.append(_system_turn("/card", state.mode, packet=packet_json(packet)))
                if not as_json:
                    print(render_card(packet) if packet is not None else f"  {'card':>10} │ no handoff yet")
                continue
            try:
                result = run_line(desk, conv, line)
            except BadInputError as exc:
                turns.append(_system_turn(line, desk.state(conv).mode, error=str(exc)))
                if not as_json:
                    print(f"  {'error':>10} │ {exc}")
                continue
            turns.append(turn_json(result))
            if not as_json:
                print("\n".join(turn_lines(result)))
        packet = desk.state(conv).packet
        if as_json:
            out = {"conversation_id": conv, "turns": turns, "packet": packet_json(packet)}
            print(json.dumps(out, ensure_ascii=False, indent=2))
        elif packet is not None:
            print(render_card(packet))
    finally:
        desk.close()
        if lock is not None:
            lock.release()
    return 0


def _system_turn(line: str, mode: str, **extra: object) -> dict[str, Any]:
    """A script line that is no conversation turn (``/restart``, ``/card``, an error), in the turns' JSON shape."""
    return {"input": line, "actor": "system", "reply": None, "mode": mode, "signals": None, "escalation": None, **extra}


def chat(
    config: RelevoConfig,
    definition: DeskDefinition,
    *,
    customer: str | None,
    data_dir: Path | None,
    conversation: str | None,
) -> int:
    root = data_dir or config.storage.data_dir
    print("relevo chat — loading the offline engine…", file=sys.stderr)
    lock = DataDirLock.for_config(config, root, purpose="relevo chat")  # one writer per data directory
    try:
        return _chat(config, definition, root, customer=customer, conversation=conversation)
    finally:
        if lock is not None:
            lock.release()


def _chat(
    config: RelevoConfig, definition: DeskDefinition, root: Path, *, customer: str | None, conversation: str | None
) -> int:
    with definition.builder(config).open(root) as desk:
        conv = conversation or desk.start(customer_id=customer)
        state = desk.state(conv)
        who = state.customer.name or state.customer.id
        print(
            f"conversation {conv} as {who} ({state.customer.tier}). Type a message; human side: "
            "/takeover AGENT, /reply TEXT, /handback [NOTE] [| did: … | decided: … | promised: … | fact: NAME=VALUE], "
            "/resolve, /card, /quit"
        )
        while True:
            try:
                line = input("you › ")
            except EOFError:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            if line.strip() == "/card":
                packet = desk.state(conv).packet
                print(render_card(packet) if packet is not None else "no handoff yet")
                continue
            try:
                result = run_line(desk, conv, line)
            except RelevoError as exc:
                print(f"  ! {exc}")
                continue
            print("\n".join(turn_lines(result)[1:]))
    return 0


def triage(config: RelevoConfig, definition: DeskDefinition, *, texts: list[str], file: Path | None) -> int:
    items = list(texts)
    if file is not None:
        items += _read_utterances(file)
    if not items:
        raise BadInputError("give utterances as arguments or with --file")
    context = definition.builder(config).context()
    # The desk's own offline triage (with its articles); a desk configured for a model gets a plain one.
    engine = (
        context.agents.triage
        if isinstance(context.agents.triage, OfflineTriage)
        else OfflineTriage(
            context.catalog, default_embedder(), config.triage, default_language=context.profile.default_language
        )
    )
    state = ConversationState(conversation_id="triage", customer=CustomerRef(id="triage"))
    for n, text in enumerate(items, 1):
        clean = normalise_text(text).text
        language = engine.detect_language(clean, None)
        message = CustomerMessage(id=f"msg-{n}", at=_EPOCH, text=clean, language=language)
        signals = engine.assess(state, message)
        row: dict[str, Any] = {"text": text}
        row.update(signals.model_dump(include=set(SIGNAL_KEYS)))
        print(json.dumps(row, ensure_ascii=False))
    return 0


def graph(config: RelevoConfig, definition: DeskDefinition) -> int:
    print(definition.builder(config).compile().get_graph().draw_mermaid())
    return 0


def _read_utterances(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        fields = reader.fieldnames or []
        column = next((c for c in ("text", "utterance") if c in fields), None)
        if column is None:
            raise BadInputError(f"{path} has no 'text' (or 'utterance') column; columns: {', '.join(fields)}")
        return [row[column] for row in reader if row.get(column, "").strip()]
    return [line for line in text.splitlines() if line.strip()]
