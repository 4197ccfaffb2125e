"""The ``relevo`` command: demo, chat, triage, graph, bench."""

from __future__ import annotations

import argparse
import json
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
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole story on the embedded offline engine")
    demo.add_argument("--json", action="store_true", help="print the story as JSON")
    demo.add_argument("--data-dir", type=Path, help="where conversations are stored (default: a temporary dir)")

    chat = sub.add_parser("chat", help="chat as a customer (or run a script with --script)")
    chat.add_argument("--script", type=Path, help="one customer message per line; /commands for the human side")
    chat.add_argument("--customer", help="customer id (unknown or missing: a guest)")
    chat.add_argument("--data-dir", type=Path, help="where conversations are stored")
    chat.add_argument("--conversation", help="continue this conversation id instead of starting one")
    chat.add_argument("--json", action="store_true", help="print the run as JSON (with --script)")

    tri = sub.add_parser("triage", help="classify utterances and print their signals as JSON lines")
    tri.add_argument("text", nargs="*", help="utterances")
    tri.add_argument("--file", type=Path, help="a .txt file (one per line) or a .csv file (its text column)")
    tri.add_argument("--json", action="store_true", help="JSON lines (the default output)")

    sub.add_parser("graph", help="print the support graph as mermaid")

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    turn = bench_sub.add_parser("turn", help="turn latency and orchestration overhead vs bare LangGraph")
    turn.add_argument("--json", action="store_true")
    turn.add_argument("--conversations", type=int, default=40)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
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

        return demo(config, data_dir=args.data_dir, as_json=args.json)
    if command == "chat":
        from relevo._cli_commands import chat, chat_script

        if args.script is not None:
            return chat_script(
                config,
                script=args.script,
                customer=args.customer,
                data_dir=args.data_dir,
                conversation=args.conversation,
                as_json=args.json,
            )
        return chat(config, customer=args.customer, data_dir=args.data_dir, conversation=args.conversation)
    if command == "triage":
        from relevo._cli_commands import triage

        return triage(config, texts=list(args.text), file=args.file)
    if command == "graph":
        from relevo._cli_commands import graph

        return graph(config)
    if command == "bench":
        from relevo.bench import bench_turn

        report: dict[str, Any] = bench_turn(config, conversations=args.conversations, progress=sys.stderr)
        print(json.dumps(report, indent=None if args.json else 2))
        return 0
    raise AssertionError(command)  # argparse guarantees one of the above


if __name__ == "__main__":
    sys.exit(main())
