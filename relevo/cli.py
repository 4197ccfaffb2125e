"""The ``relevo`` command: demo, chat, triage, graph, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from relevo._config import RelevoConfig, load_config
from relevo._errors import BadInputError, RelevoError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="relevo", description="Customer-support agent graphs with a human handoff.")
    p.add_argument("--config", type=Path, help="a TOML file merged over relevo's defaults")
    p.add_argument(
        "--desk",
        help="the desk: a folder with desk.toml, or package.module:function (default: RELEVO_DESK, a desk.toml "
        "in the working directory, else the demo shop relevo.demo:desk)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create a small runnable desk folder to start your own from")
    init.add_argument("directory", type=Path, help="a new (or empty) folder")
    init.add_argument("--name", help="the brand customers see (default: the folder's name)")

    demo = sub.add_parser("demo", help="run the whole story on the embedded offline engine")
    demo.add_argument("--json", action="store_true", help="print the story as JSON")
    demo.add_argument("--data-dir", type=Path, help="where conversations are stored (default: a temporary dir)")

    chat = sub.add_parser("chat", help="chat as a customer (or run a script with --script)")
    chat.add_argument("--script", type=Path, help="one customer message per line; /commands for the human side")
    chat.add_argument("--customer", help="customer id (unknown or missing: a guest)")
    chat.add_argument("--data-dir", type=Path, help="where conversations are stored")
    chat.add_argument("--conversation", help="continue this conversation id instead of starting one")
    chat.add_argument("--json", action="store_true", help="print the run as JSON (with --script)")
    for command in (demo, chat):
        _model_arguments(command)

    tri = sub.add_parser("triage", help="classify utterances and print their signals as JSON lines")
    tri.add_argument("text", nargs="*", help="utterances")
    tri.add_argument("--file", type=Path, help="a .txt file (one per line) or a .csv file (its text column)")
    tri.add_argument("--json", action="store_true", help="JSON lines (the default output)")

    sub.add_parser("graph", help="print the desk's support graph as mermaid")

    doc = sub.add_parser("doctor", help="check the installation and configuration; say what is wrong and how to fix it")
    doc.add_argument("--json", action="store_true", help="print the findings as JSON")

    srv = sub.add_parser("serve", help="web chat, agent console, REST API and channel webhooks over HTTP")
    srv.add_argument("--host", help="interface to listen on (default 127.0.0.1; RELEVO_HOST)")
    srv.add_argument("--port", type=int, help="port (default 8000; RELEVO_PORT)")
    srv.add_argument("--data-dir", type=Path, help="where conversations and accounts live (RELEVO_DATA_DIR)")
    srv.add_argument("--workers", type=int, help="threads running customer turns (default 2; RELEVO_WORKERS)")

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    turn = bench_sub.add_parser(
        "turn", help="turn latency and orchestration overhead vs bare LangGraph, on the desk's bench conversations"
    )
    turn.add_argument("--json", action="store_true")
    turn.add_argument("--conversations", type=int, default=40)
    models = bench_sub.add_parser("models", help="model adapter overhead vs a direct HTTP call, and a fallback hop")
    models.add_argument("--json", action="store_true")
    models.add_argument("--calls", type=int, default=200)
    llm_turn = bench_sub.add_parser(
        "llm-turn", help="model round trips a customer waits for in LLM mode, against a loopback model"
    )
    llm_turn.add_argument("--latency-ms", type=float, default=300.0, help="the loopback model's fixed latency")
    llm_turn.add_argument("--conversations", type=int, default=6)
    llm_turn.add_argument("--json", action="store_true")
    bench_serve = bench_sub.add_parser(
        "serve", help="webhook acks, turn latency, throughput, lost and duplicated messages of relevo serve over HTTP"
    )
    bench_serve.add_argument("--conversations", type=int, default=200)
    bench_serve.add_argument("--concurrency", type=int, default=50)
    bench_serve.add_argument("--url", help="drive this running server (web chat only) instead of starting one")
    bench_serve.add_argument("--workers", type=int, help="turn-running threads of the started server")
    bench_serve.add_argument("--json", action="store_true")
    desk_load = bench_sub.add_parser(
        "desk-load",
        help="loading a generated desk (20 intents, 50 articles) on a warm embedding cache vs reading its vectors",
    )
    desk_load.add_argument("--intents", type=int, default=20, help="intents in the generated desk (at most 20)")
    desk_load.add_argument("--examples", type=int, default=10, help="examples per intent and language")
    desk_load.add_argument("--articles", type=int, default=50, help="knowledge-base files")
    desk_load.add_argument("--languages", default="en,es,pt,vi", help="comma-separated, of en, es, pt, vi")
    desk_load.add_argument("--loads", type=int, default=5, help="timed loads")
    desk_load.add_argument("--json", action="store_true")
    bench_mem = bench_sub.add_parser(
        "memory", help="per-customer recall vs a filtered Chroma query and LangGraph's store"
    )
    bench_mem.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    bench_mem.add_argument("--json", action="store_true")

    mem = sub.add_parser("memory", help="what is remembered about a customer: show, export, forget, consent")
    mem_sub = mem.add_subparsers(dest="memory", required=True)
    for action, text in (
        ("show", "a readable list of what is remembered"),
        ("export", "everything stored about the customer, as JSON (access requests)"),
        ("forget", "erase the customer from every store and print the receipt"),
        ("consent", "record the customer's choice: on or off (off erases their memory)"),
    ):
        one = mem_sub.add_parser(action, help=text)
        one.add_argument("customer")
        if action == "consent":
            one.add_argument("choice", choices=["on", "off"])
        one.add_argument("--data-dir", type=Path, help="the data directory (default: storage.data_dir)")

    ev = sub.add_parser("eval", help="offline evaluation: scenario suites and labelled datasets")
    ev_sub = ev.add_subparsers(dest="eval", required=True)
    run = ev_sub.add_parser("run", help="run scenario suites on one or more configurations, side by side")
    run.add_argument(
        "suite",
        nargs="*",
        help="scenario files or folders, or a named suite of the desk (a subfolder of its scenarios, e.g. the "
        "demo's load and robustness); default: the desk's scenarios",
    )
    run.add_argument("--config", dest="eval_configs", type=Path, action="append", default=[], help="a relevo TOML")
    run.add_argument("--report", type=Path, help="write a self-contained HTML report here")
    run.add_argument("--json", action="store_true")
    run.add_argument("--workers", type=int, default=1, help="processes running conversations")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--repeat", type=int, default=1, help="run every scenario this many times")
    run.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE", help="a gate")
    run.add_argument("--output", type=Path, help="append one JSON line per finished conversation")
    run.add_argument("--resume", action="store_true", help="skip conversations already in --output")
    intents = ev_sub.add_parser("intents", help="intent classifier on a labelled train/test CSV pair")
    intents.add_argument("--train", type=Path, required=True)
    intents.add_argument("--test", type=Path, required=True)
    intents.add_argument("--shots", type=int, help="train on N examples per label (seeded sample)")
    intents.add_argument("--seed", type=int, default=0)
    intents.add_argument("--oos-label", help="the out-of-scope label (reports OOS recall/precision)")
    intents.add_argument("--text-column")
    intents.add_argument("--label-column")
    intents.add_argument("--json", action="store_true")
    oos = ev_sub.add_parser(
        "oos",
        help="out-of-scope detection on a proxy: each dataset's test texts are out of scope for another's catalog",
    )
    oos.add_argument(
        "datasets",
        nargs="+",
        metavar="DIR[:LABEL_COLUMN]",
        help="two or more folders with train.csv and test.csv (e.g. banking77 bitext_customer_support:intent)",
    )
    oos.add_argument("--shots", type=int, default=10, help="training texts per label (0: the whole split)")
    oos.add_argument("--seed", type=int, default=0)
    oos.add_argument("--limit", type=int, help="read only the first N rows of each test split")
    oos.add_argument("--budget", type=float, default=0.01, help="in-scope accuracy the confidence floor may cost")
    oos.add_argument("--json", action="store_true")
    esc = ev_sub.add_parser("escalation", help="explicit-human-request detection on a labelled CSV")
    esc.add_argument("--data", type=Path, required=True)
    esc.add_argument("--split", help="only rows whose 'split' column has this value")
    esc.add_argument("--json", action="store_true")
    return p


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model for every agent: a litellm model string, or 'offline'")
    parser.add_argument(
        "--agent-model",
        action="append",
        default=[],
        metavar="AGENT=MODEL",
        help="model for one agent (triage, resolver, summarizer); repeatable",
    )
    parser.add_argument("--api-base", help="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")


def _model_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``[models]`` settings given on the command line."""
    models: dict[str, Any] = {}
    if getattr(args, "model", None):
        models["default"] = args.model
    if getattr(args, "api_base", None):
        models["api_base"] = args.api_base
    agents: dict[str, str] = {}
    for item in getattr(args, "agent_model", []) or []:
        agent, sep, model = item.partition("=")
        if not sep or not agent.strip() or not model.strip():
            raise BadInputError(f"--agent-model takes AGENT=MODEL (e.g. triage=openai/gpt-4o-mini), got {item!r}")
        agents[agent.strip()] = model.strip()
    if agents:
        models["agents"] = agents
    return {"models": models} if models else {}


_DESK_COMMANDS = frozenset({"demo", "chat", "triage", "graph", "serve", "memory", "eval", "bench"})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "doctor":  # reports a broken configuration instead of stopping at it
            from relevo._doctor import doctor

            return doctor(args.config, desk=args.desk, as_json=args.json)
        if args.command == "init":
            from relevo.desks import init_desk

            written = init_desk(args.directory, name=args.name)
            print(f"created desk {args.directory} ({len(written)} files); try: relevo --desk {args.directory} chat")
            return 0
        config = load_config(args.config, overrides=_model_overrides(args), environ=os.environ)
        if args.command in _DESK_COMMANDS:
            from relevo.desks import desk_definition, resolve_desk_reference

            desk = desk_definition(resolve_desk_reference(args.desk, os.environ, Path.cwd()))
            for warning in desk.warnings:
                print(f"relevo: warning: {warning}", file=sys.stderr)
            args.desk_definition = desk
            config = desk.config(config)
        if args.command in ("demo", "chat", "serve"):
            # A missing API key fails here, before the desk loads, never on a customer's first message.
            from relevo.orchestrator._agents import check_model_credentials

            check_model_credentials(config)
        return _dispatch(args, config)
    except BadInputError as exc:
        print(f"relevo: {exc}", file=sys.stderr)
        return 2
    except RelevoError as exc:
        print(f"relevo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: RelevoConfig) -> int:
    command: str = args.command
    if command == "demo":
        from relevo._cli_commands import demo

        return demo(config, args.desk_definition, data_dir=args.data_dir, as_json=args.json)
    if command == "chat":
        from relevo._cli_commands import chat, chat_script

        if args.script is not None:
            return chat_script(
                config,
                args.desk_definition,
                script=args.script,
                customer=args.customer,
                data_dir=args.data_dir,
                conversation=args.conversation,
                as_json=args.json,
            )
        return chat(
            config, args.desk_definition, customer=args.customer, data_dir=args.data_dir, conversation=args.conversation
        )
    if command == "triage":
        from relevo._cli_commands import triage

        return triage(config, args.desk_definition, texts=list(args.text), file=args.file)
    if command == "graph":
        from relevo._cli_commands import graph

        return graph(config, args.desk_definition)
    if command == "serve":
        from relevo.server._cli import serve_command

        return serve_command(args)
    if command == "memory":
        from relevo._cli_memory import memory_command

        return memory_command(
            config,
            action=args.memory,
            customer=args.customer,
            data_dir=args.data_dir,
            value=getattr(args, "choice", ""),
        )
    if command == "bench" and args.bench == "memory":
        from relevo._cli_memory import bench_memory_command

        return bench_memory_command(args.sizes, as_json=args.json)
    if command == "bench" and args.bench == "serve":
        from relevo.bench import bench_serve

        if args.conversations < 1 or args.concurrency < 1:
            raise BadInputError("--conversations and --concurrency must be at least 1")
        served = bench_serve(
            args.desk_definition,
            config=config,
            conversations=args.conversations,
            concurrency=args.concurrency,
            url=args.url,
            workers=args.workers,
            progress=sys.stderr,
        )
        print(json.dumps(served, ensure_ascii=False, indent=None if args.json else 2))
        return 0
    if command == "bench" and args.bench == "desk-load":
        from relevo.bench import bench_desk_load

        measured = bench_desk_load(
            config,
            intents=args.intents,
            examples=args.examples,
            articles=args.articles,
            languages=[lang.strip() for lang in args.languages.split(",") if lang.strip()],
            loads=args.loads,
            progress=sys.stderr,
        )
        print(json.dumps(measured, indent=None if args.json else 2))
        return 0
    if command == "bench" and args.bench == "llm-turn":
        from relevo.bench import bench_llm_turn

        if args.conversations < 1 or args.latency_ms < 0:
            raise BadInputError("--conversations must be at least 1 and --latency-ms at least 0")
        measured = bench_llm_turn(
            args.desk_definition.builder(config),
            latency_ms=args.latency_ms,
            conversations=args.conversations,
            progress=sys.stderr,
            desk=f"desk {args.desk_definition.reference}",
        )
        print(json.dumps(measured, indent=None if args.json else 2))
        return 0
    if command == "bench" and args.bench == "models":
        from relevo.bench import bench_models

        print(json.dumps(bench_models(calls=args.calls, progress=sys.stderr), indent=None if args.json else 2))
        return 0
    if command == "bench":
        from relevo.bench import bench_turn

        if args.conversations < 1:
            raise BadInputError("--conversations must be at least 1")
        desk = args.desk_definition
        report: dict[str, Any] = bench_turn(
            desk.builder(config),
            conversations=args.conversations,
            progress=sys.stderr,
            desk=f"desk {desk.reference}",
        )
        print(json.dumps(report, indent=None if args.json else 2))
        return 0
    if command == "eval":
        from relevo.evals._commands import eval_escalation, eval_intents, eval_oos, eval_run

        if args.eval == "run":
            return eval_run(
                desk=args.desk_definition,
                suites=list(args.suite),
                configs=list(args.eval_configs),
                report=args.report,
                as_json=args.json,
                workers=args.workers,
                seed=args.seed,
                repeat=args.repeat,
                fail_under=list(args.fail_under),
                output=args.output,
                resume=args.resume,
            )
        if args.eval == "intents":
            return eval_intents(
                train=args.train,
                test=args.test,
                shots=args.shots,
                seed=args.seed,
                oos_label=args.oos_label,
                text_column=args.text_column,
                label_column=args.label_column,
                as_json=args.json,
            )
        if args.eval == "oos":
            return eval_oos(
                datasets=list(args.datasets),
                shots=args.shots or None,
                seed=args.seed,
                limit=args.limit,
                budget=args.budget,
                as_json=args.json,
            )
        return eval_escalation(data=args.data, split=args.split, as_json=args.json)
    raise AssertionError(command)  # argparse guarantees one of the above


if __name__ == "__main__":
    sys.exit(main())
