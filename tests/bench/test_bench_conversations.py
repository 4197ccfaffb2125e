"""``relevo bench turn``, ``serve`` and ``llm-turn`` replay the conversations of the desk they are given: the ones
it declares (``DeskBuilder.with_bench``, a folder's ``bench.yaml``), else its scripted scenarios' customer lines;
a desk with none is bad input (exit 2, before anything runs)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from relevo import ConfigurationError, load_config
from relevo.bench import bench_conversations, bench_llm_turn
from relevo.cli import main
from relevo.demo import BENCH
from relevo.desks import DEFAULT_DESK, DeskFileError, init_desk, load_desk
from relevo.orchestrator import BenchConversation

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A fresh ``relevo init`` desk (customers M-100 and M-200, three scripted scenarios)."""
    init_desk(tmp_path / "acme")
    return tmp_path / "acme"


# -- where the conversations come from ---------------------------------------------------------------------------
def test_the_demo_replays_the_conversations_its_figures_were_measured_on() -> None:
    replayed = bench_conversations(load_desk(DEFAULT_DESK, load_config()))
    assert replayed == BENCH
    assert [(c.customer, len(c.messages)) for c in replayed] == [
        ("C-1001", 4),
        ("C-1006", 3),
        ("C-1002", 3),
        ("C-1003", 3),
        (None, 3),
        ("C-1004", 3),
    ]


def test_a_desk_that_declares_none_replays_its_scripted_scenarios(acme: Path) -> None:
    assert bench_conversations(load_desk(acme)) == (
        BenchConversation("M-100", ("hi", "what are your opening hours?", "thanks, bye")),
        BenchConversation(None, ("¿cómo reservo una sala de reuniones?",)),
        BenchConversation(None, ("quiero hablar con una persona",)),
    )


def test_declared_conversations_replace_the_scenarios(acme: Path) -> None:
    mine = (BenchConversation(None, ("hola", "¿abrís el domingo?")), BenchConversation("M-200", ("hi",)))
    assert bench_conversations(load_desk(acme).with_bench(mine)) == mine


def test_a_desk_folder_declares_them_in_bench_yaml(acme: Path) -> None:
    (acme / "bench.yaml").write_text(
        "conversations:\n"
        "  - customer: M-200\n"
        "    messages: [hola, ¿cómo reservo una sala?, gracias]\n"
        "  - messages: [are you open on Sunday?]\n",
        encoding="utf-8",
    )
    assert bench_conversations(load_desk(acme)) == (
        BenchConversation("M-200", ("hola", "¿cómo reservo una sala?", "gracias")),
        BenchConversation(None, ("are you open on Sunday?",)),
    )


BAD_BENCH_FILES = {
    "unknown customer": (
        "conversations:\n  - customer: M-999\n    messages: [hi]\n",
        r"bench\.yaml: line 2: conversations\.0\.customer: 'M-999' is not one of the desk's customers",
    ),
    "human command": (
        "conversations:\n  - messages: [hi, /takeover Ana]\n",
        r"line 2: conversations\.0\.messages: Value error, message 1 \('/takeover Ana'\) is a human-side command",
    ),
    "blank message": ("conversations:\n  - messages: [hi, '  ']\n", r"message 1 is blank"),
    "no messages": ("conversations:\n  - customer: M-100\n    messages: []\n", r"conversations\.0\.messages"),
    "no conversations": ("conversations: []\n", r"line 1: conversations: List should have at least 1 item"),
    "unknown key": ("conversations:\n  - messages: [hi]\n    lines: [hi]\n", r"conversations\.0\.lines"),
}


@pytest.mark.parametrize("case", BAD_BENCH_FILES)
def test_a_malformed_bench_yaml_names_the_line(acme: Path, case: str) -> None:
    text, message = BAD_BENCH_FILES[case]
    (acme / "bench.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DeskFileError, match=message):
        load_desk(acme)


def test_a_bench_file_desk_toml_names_must_exist(acme: Path) -> None:
    toml = acme / "desk.toml"
    toml.write_text('bench = "my-bench.yaml"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DeskFileError, match=r"my-bench\.yaml: file not found \(named by desk\.toml bench\)"):
        load_desk(acme)


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ((), "it has no messages"),
        (("hi", " "), "message 2 is blank"),
        (("hi", "/resolve"), r"message 2 \('/resolve'\) is a human-side command"),
    ],
)
def test_a_bench_conversation_is_customer_messages(messages: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        BenchConversation("M-100", messages)


# -- a desk with nothing to replay ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["turn", "serve", "llm-turn"])
def test_a_desk_without_conversations_exits_2_before_anything_runs(acme: Path, command: str) -> None:
    for scenario in (acme / "scenarios").glob("*.yaml"):
        scenario.unlink()
    code, out, err = _run(["--desk", str(acme), "bench", command, "--conversations", "1"])
    assert (code, out) == (2, ""), err
    assert f"relevo: desk {acme} has no conversations to benchmark: declare them (DeskBuilder.with_bench" in err


def test_bench_serve_refuses_a_desk_whose_every_conversation_leaves_a_message_unanswered(acme: Path) -> None:
    # The handoff is answered, the next message gets the holding reply, the third none: a person owns it.
    (acme / "bench.yaml").write_text(
        "conversations:\n  - messages: [quiero hablar con una persona, ¿hola?, ¿hay alguien?]\n", encoding="utf-8"
    )
    code, out, err = _run(["--desk", str(acme), "bench", "serve", "--conversations", "1"])
    assert (code, out) == (2, ""), err
    assert "bench serve needs conversations in which every message gets exactly one reply" in err
    assert "message 3 ('¿hay alguien?') gets no reply" in err


# -- each benchmark runs on the desk given ---------------------------------------------------------------------------
@pytest.mark.parametrize(("desk", "measured"), [(str(TELECOM), 2), (DEFAULT_DESK, 2)])
def test_bench_turn_replays_the_desks_conversations(desk: str, measured: int) -> None:
    code, out, err = _run(["--desk", desk, "bench", "turn", "--conversations", "1", "--json"])
    assert code == 0, err
    report = json.loads(out)
    # Two warm-up conversations, then the desk's third: every one of its messages is a measured turn.
    third = bench_conversations(load_desk(desk, load_config()))[measured]
    assert report["conversations"] == 1 and report["turns"] == len(third.messages)
    assert report["turn_ms_p50"] > 0 and report["bare_langgraph_ms_p50"] > 0


def test_bench_llm_turn_replays_the_telecom_desks_conversations() -> None:
    builder = load_desk(TELECOM, load_config())
    script = bench_conversations(builder)
    report = bench_llm_turn(builder, latency_ms=0.0, conversations=2)
    # After a warm-up, the desk's second and third conversations: each ends in a handoff (the loopback model reads
    # its last message as a request for a person, when nothing handed it off before); the lines before are answers.
    assert report["handoff"]["turns"] == 2, report
    assert 0 < report["answer"]["turns"] <= sum(len(c.messages) - 1 for c in script[1:3]), report
    assert report["handoff"]["calls_per_turn"] >= 1 and report["model_call_ms_p50"] >= 0
