"""A whole evaluation run: suites × configurations × repetitions, in parallel, resumable, with gates."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from relevo._config import load_config
from relevo._errors import BadInputError
from relevo.desks import DEFAULT_DESK, desk_definition
from relevo.evals._metrics import check_gates, suite_metrics
from relevo.evals._progress import Progress
from relevo.evals._records import ConversationRecord
from relevo.evals._runner import EvalJob, close_desks, run_job
from relevo.evals._scenario import Suite

__all__ = ["EvalRun", "config_labels", "run_eval"]


@dataclass
class EvalRun:
    """The outcome of ``relevo eval run``: every conversation, metrics per configuration, failed gates."""

    configs: list[str]
    records: list[ConversationRecord]
    metrics: dict[str, dict[str, float]]
    gate_failures: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    seconds: float = 0.0
    ran: int = 0
    """Conversations run now (the rest came from ``--resume``)."""

    @property
    def conversations_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else 0.0


def config_labels(paths: Sequence[Path], desk: str = DEFAULT_DESK) -> list[tuple[str, str | None]]:
    """``(label, path)`` per configuration: the file stem (made unique), or ``defaults`` when none is given.

    Each configuration is loaded on ``desk`` here, so that a bad key, a bad desk file or a setting naming an
    intent the desk lacks fails before any worker starts.
    """
    definition = desk_definition(desk)
    if not paths:
        definition.builder(definition.config())
        return [("defaults", None)]
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for path in paths:
        definition.builder(definition.config(load_config(path)))
        label, n = path.stem, 2
        while label in seen:
            label, n = f"{path.stem}-{n}", n + 1
        seen.add(label)
        out.append((label, str(path)))
    return out


def _read_results(path: Path) -> list[ConversationRecord]:
    if not path.exists():
        return []
    out: list[ConversationRecord] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(ConversationRecord.model_validate_json(line))
        except ValueError as exc:
            if n == len(lines):
                break  # a line cut short by an interrupted run: that conversation runs again
            raise BadInputError(f"{path}: line {n} is not a result line ({exc.__class__.__name__})") from exc
    return out


def run_eval(
    suites: Sequence[Suite],
    config_paths: Sequence[Path] = (),
    *,
    desk: str = DEFAULT_DESK,
    workers: int = 1,
    seed: int = 0,
    repeat: int = 1,
    output: Path | None = None,
    resume: bool = False,
    gates: dict[str, float] | None = None,
    progress: TextIO | None = None,
) -> EvalRun:
    """Run every scenario of ``suites`` on every configuration, ``repeat`` times.

    Args:
        suites: scenario suites; their ``gates`` apply, then ``gates`` (the command line's) over them.
        config_paths: relevo TOML files, one configuration each (none: the defaults).
        desk: the desk every conversation runs on: a desk folder or ``package.module:function``.
        workers: processes running conversations (1: in this process).
        seed: seeds the simulated customers; same seed, same conversations.
        repeat: run each scenario this many times (for load measurements).
        output: append one JSON line per finished conversation here.
        resume: skip the conversations already in ``output``.
        progress: where the progress bar goes (stderr), or None.
    """
    if repeat < 1 or workers < 1:
        raise BadInputError("--repeat and --workers must be at least 1")
    labels = config_labels(config_paths, desk)
    jobs = [
        EvalJob(label, path, suite.name, scenario, rep, seed, desk)
        for label, path in labels
        for suite in suites
        for rep in range(repeat)
        for scenario in suite.scenarios
    ]
    done: list[ConversationRecord] = []
    if resume:
        if output is None:
            raise BadInputError("--resume needs --output (the results file to continue)")
        wanted = {job.key for job in jobs}
        kept = _read_results(output)
        done = [r for r in kept if r.key in wanted]
        # Rewrite what was read: a line cut short by the interruption must not run into the next one.
        output.write_text("".join(r.model_dump_json() + "\n" for r in kept), encoding="utf-8")
    elif output is not None and output.exists():
        output.unlink()
    finished = {r.key for r in done}
    todo = [job for job in jobs if job.key not in finished]

    bar = Progress("eval", len(todo), progress, unit="conv")
    started = time.perf_counter()
    records = list(done)
    sink = output.open("a", encoding="utf-8") if output is not None else None
    try:

        def keep(record: ConversationRecord) -> None:
            records.append(record)
            if sink is not None:
                sink.write(record.model_dump_json() + "\n")
                sink.flush()
            bar.advance()

        if workers == 1 or len(todo) <= 1:
            try:
                for job in todo:
                    keep(run_job(job))
            finally:
                close_desks()
        else:
            # Processes, not threads: the offline engine is CPU-bound Python + numpy, and on two cores
            # processes ran the built-in suite faster than threads sharing one interpreter lock.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(run_job, job) for job in todo]
                for future in as_completed(futures):
                    keep(future.result())
    finally:
        if sink is not None:
            sink.close()
        bar.finish()
    seconds = time.perf_counter() - started

    order = {job.key: i for i, job in enumerate(jobs)}
    records.sort(key=lambda r: order.get(r.key, len(order)))
    metrics = {label: suite_metrics(r for r in records if r.config == label) for label, _ in labels}
    # The command line's gates apply to everything; a suite file's gates to that suite's conversations.
    failures = {label: check_gates(m, gates or {}) for label, m in metrics.items()}
    for suite in suites:
        if not suite.gates:
            continue
        for label, _ in labels:
            scoped = suite_metrics(r for r in records if r.config == label and r.suite == suite.name)
            failures[label] += [f"{suite.name}: {msg}" for msg in check_gates(scoped, suite.gates)]
    return EvalRun(
        configs=[label for label, _ in labels],
        records=records,
        metrics=metrics,
        gate_failures={k: v for k, v in failures.items() if v},
        seconds=seconds,
        ran=len(todo),
    )
