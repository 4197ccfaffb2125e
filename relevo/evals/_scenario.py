"""Scenario suites: YAML files of conversations with what the desk should do in them, validated by pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from relevo._errors import BadInputError
from relevo._yaml_lines import yaml_line
from relevo.contracts import Channel, Mode, Priority
from relevo.orchestrator import parse_hand_back

__all__ = [
    "Expectations",
    "Forbidden",
    "Persona",
    "Scenario",
    "ScenarioFileError",
    "ScriptedTurn",
    "Setup",
    "SimulatedCustomer",
    "Suite",
    "load_suite",
    "load_suites",
    "named_suites",
    "parse_suite",
]

Forbidden = Literal["repeat_ask", "promise_beyond_policy", "ungrounded_answer", "cut_passage", "contradiction"]
Language = Literal["en", "es", "pt", "vi"]
HUMAN_COMMANDS = ("/takeover", "/reply", "/handback", "/resolve")
_REPLACED: dict[str, str] = {"order_id": "answers: {order_id: VALUE} (the value given when the AI asks for that fact)"}
"""Keys an older scenario format had under ``simulate`` -> what replaces them (named in the error)."""


class ScenarioFileError(BadInputError):
    """A scenario file cannot be read or does not validate; the message names the file, line and field."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = str(path)
        self.problems = problems


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Persona(_Model):
    """Who the simulated or scripted customer is; the simulator speaks ``language`` and gives up after
    ``patience`` unhelpful answers."""

    language: Language = "en"
    tone: Literal["polite", "neutral", "frustrated", "angry"] = "neutral"
    tier: str | None = None
    """The customer tier the scenario assumes, one of the desk's tiers (checked when the run starts)."""
    patience: int = Field(default=2, ge=0, le=10)


class Setup(_Model):
    """Where the conversation starts: which of the desk's customers (none: a guest) on which channel."""

    customer: str | None = None
    channel: Channel = "web"


def _check_line(line: str) -> str:
    if not line.strip():
        raise ValueError("an empty line")
    if line.startswith("/"):
        command = line.split(maxsplit=1)[0]
        if command not in HUMAN_COMMANDS:
            raise ValueError(f"unknown command {command!r}; use one of {', '.join(HUMAN_COMMANDS)}")
        if command in ("/takeover", "/reply") and not line.removeprefix(command).strip():
            raise ValueError(f"{command} needs text after it")
        if command == "/handback":
            try:
                parse_hand_back(line.removeprefix(command))
            except BadInputError as exc:
                raise ValueError(str(exc)) from exc
    return line


class ScriptedTurn(_Model):
    """One scripted customer message, with the intent triage should find and whether it should escalate."""

    say: str
    intent: str | None = None
    escalates: bool | None = None
    """Whether this very turn should hand the conversation off (None: not checked)."""

    @field_validator("say")
    @classmethod
    def _say(cls, value: str) -> str:
        return _check_line(value)


Step = Annotated[str, Field(min_length=1)] | ScriptedTurn


class SimulatedCustomer(_Model):
    """A small deterministic customer that reacts to the AI's replies.

    It opens with ``opening``; when the AI asks for a fact named in ``answers`` it gives that value (once, the
    value alone, as customers answer in any language); answers an offer (``accept_offer``); otherwise
    says the answer did not help, ``insist`` times (default: the persona's patience), and then does ``then``: ask
    for a human, thank and leave, or stop. Once the conversation is with a human, it plays ``after_handoff``
    (human commands and customer lines) and ends.
    """

    opening: str
    opening_intent: str | None = None
    answers: dict[str, str] = Field(default_factory=dict[str, str])
    """Fact name -> the value the customer gives when the AI asks for that fact (a clarify target)."""
    accept_offer: bool = True
    insist: int | None = Field(default=None, ge=0, le=10)
    insist_lines: list[str] = Field(default_factory=list[str])
    """What the customer says when an answer did not help (default: phrases in the persona's language)."""
    then: Literal["ask_human", "thank", "stop"] = "ask_human"
    then_line: str | None = None
    after_handoff: list[str] = Field(default_factory=list[str])
    max_turns: int = Field(default=8, ge=1, le=40)

    @field_validator("after_handoff")
    @classmethod
    def _steps(cls, value: list[str]) -> list[str]:
        return [_check_line(line) for line in value]


class Expectations(_Model):
    """What the desk should do in the conversation as a whole."""

    escalate: bool
    """Whether the conversation should be handed to a human at some point."""
    reasons: list[str] = Field(default_factory=list[str])
    """Reason codes the first handoff should carry (all of them)."""
    by_turn: int | None = Field(default=None, ge=1)
    """The customer turn (1-based) by which the handoff should have happened."""
    packet_facts: list[str] = Field(default_factory=list[str])
    """Facts the handoff packet must carry, e.g. ``account_id``."""
    tool_calls: list[str] = Field(default_factory=list[str])
    """Tools the AI should have called, e.g. ``account_balance``."""
    grounded_in: list[str] = Field(default_factory=list[str])
    """Knowledge-base article ids some AI reply should be grounded in."""
    final_mode: Mode | None = None
    language: Language | None = None
    """The conversation's language at the end (what the customer wrote in, whatever the profile said)."""
    reply_contains: list[str] = Field(default_factory=list[str])
    """Texts some AI reply should contain, each (e.g. the list a knowledge-base passage announces)."""
    at_most_once: list[str] = Field(default_factory=list[str])
    """Texts no two AI replies may both contain (e.g. "Is there anything else": asked once, never again)."""
    queue: str | None = None
    """The queue the first handoff should be routed to (e.g. a custom trigger's ``retention``)."""
    priority: Priority | None = None
    """The priority the first handoff should carry (``low``, ``normal``, ``high`` or ``urgent``)."""
    forbid: list[Forbidden] = Field(
        default_factory=lambda: [
            "repeat_ask",
            "promise_beyond_policy",
            "ungrounded_answer",
            "cut_passage",
            "contradiction",
        ]
    )
    """``contradiction``: an AI reply after a hand-back restates a value the human superseded."""

    @model_validator(mode="after")
    def _consistent(self) -> Expectations:
        if not self.escalate and (self.reasons or self.by_turn or self.packet_facts or self.queue or self.priority):
            raise ValueError("reasons, by_turn, packet_facts, queue and priority only make sense with escalate: true")
        return self


class Scenario(_Model):
    """One conversation to run: a persona, a setup, scripted turns or a simulated customer, expectations."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    tags: list[str] = Field(default_factory=list[str])
    persona: Persona = Persona()
    setup: Setup = Setup()
    turns: list[Step] | None = None
    simulate: SimulatedCustomer | None = None
    expect: Expectations

    @field_validator("turns")
    @classmethod
    def _turns(cls, value: list[Step] | None) -> list[Step] | None:
        if value is not None:
            if not value:
                raise ValueError("a scripted scenario needs at least one turn")
            for step in value:
                if isinstance(step, str):
                    _check_line(step)
        return value

    @model_validator(mode="after")
    def _one_driver(self) -> Scenario:
        if (self.turns is None) == (self.simulate is None):
            raise ValueError("give either 'turns' (a script) or 'simulate' (a simulated customer), not both")
        return self


class Suite(_Model):
    """A file of scenarios with the gates a run must pass."""

    name: str = ""
    gates: dict[str, float] = Field(default_factory=dict[str, float])
    """Metric name -> threshold (a minimum, or a maximum for metrics where lower is better)."""
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Suite:
        seen: set[str] = set()
        for scenario in self.scenarios:
            if scenario.id in seen:
                raise ValueError(f"scenario id {scenario.id!r} appears twice")
            seen.add(scenario.id)
        return self


# -- loading ------------------------------------------------------------------------------------------------
def load_suite(path: Path) -> Suite:
    """Read and validate one scenario file.

    Raises:
        ScenarioFileError: the file cannot be read, is not YAML, or does not validate (names file, line, field).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(path, [f"cannot read it: {exc}"]) from exc
    return parse_suite(text, str(path), default_name=path.stem)


def parse_suite(text: str, source: str, *, default_name: str = "") -> Suite:
    """Validate a suite from YAML ``text``; ``source`` names it in errors."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ScenarioFileError(source, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(data, dict):
        raise ScenarioFileError(source, ["line 1: expected a mapping with a 'scenarios' list"])
    data_map: dict[str, Any] = dict(data)  # pyright: ignore[reportUnknownArgumentType]
    data_map.setdefault("name", default_name)
    try:
        return Suite.model_validate(data_map)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p in ("str", "ScriptedTurn"))]
            line = yaml_line(node, loc)
            field = ".".join(str(p) for p in loc) or "(top level)"
            message = err["msg"]
            if err["type"] == "extra_forbidden" and "simulate" in loc and str(loc[-1]) in _REPLACED:
                message = f"no longer a key: use {_REPLACED[str(loc[-1])]}"
            problems.append(f"line {line}: {field}: {message}")
        raise ScenarioFileError(source, problems) from exc


def named_suites(scenarios: Path | None) -> list[str]:
    """The names ``relevo eval run NAME`` knows in a desk's scenario folder: its subfolders of ``*.yaml`` files."""
    if scenarios is None or not scenarios.is_dir():
        return []
    return sorted(p.name for p in scenarios.iterdir() if p.is_dir() and _files(p))


def load_suites(specs: list[str], *, scenarios: Path | None = None) -> list[Suite]:
    """Suites from files, folders (every ``*.yaml`` inside) or names of the desk's suites.

    Args:
        specs: scenario files, folders, or names of subfolders of ``scenarios`` (e.g. ``robustness``); none: the
            ``*.yaml`` files directly in ``scenarios`` (the desk's default suite).
        scenarios: the desk's scenario folder (``DeskBuilder.scenarios``), None when it has none.

    Raises:
        ScenarioFileError: a file is malformed.
        BadInputError: a path does not exist and names none of the desk's suites, or there is nothing to run.
    """
    if not specs:
        if scenarios is None:
            raise BadInputError("the desk has no scenarios/ folder: name scenario files or folders to run")
        files = _files(scenarios)
        if not files:
            raise BadInputError(f"{scenarios}: no .yaml scenario files in it")
        return [load_suite(f) for f in files]
    out: list[Suite] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            files = _files(path)
        elif path.is_file():
            files = [path]
        elif spec in named_suites(scenarios):
            assert scenarios is not None
            files = _files(scenarios / spec)
        else:
            names = ", ".join(named_suites(scenarios)) or "none"
            raise BadInputError(f"no scenario file or folder {spec!r} (the desk's named suites: {names})")
        if not files:
            raise BadInputError(f"{spec}: no .yaml scenario files in it")
        out.extend(load_suite(f) for f in files)
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
