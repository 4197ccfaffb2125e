"""``relevo eval run|intents|oos|escalation``: the command-line side of the evaluation package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from relevo.desks import DeskDefinition
from relevo.evals._datasets import evaluate_escalation_dataset, evaluate_intent_dataset
from relevo.evals._metrics import parse_gate
from relevo.evals._oos import evaluate_out_of_scope, parse_oos_dataset
from relevo.evals._report import html_report, metrics_table
from relevo.evals._run import run_eval
from relevo.evals._scenario import load_suites

__all__ = ["eval_escalation", "eval_intents", "eval_oos", "eval_run"]


def eval_run(
    *,
    desk: DeskDefinition,
    suites: list[str],
    configs: list[Path],
    report: Path | None,
    as_json: bool,
    workers: int,
    seed: int,
    repeat: int,
    fail_under: list[str],
    output: Path | None,
    resume: bool,
) -> int:
    """Run scenario suites on each configuration; print the comparison; exit 1 when a gate fails."""
    loaded = load_suites(suites, scenarios=desk.builder().scenarios)
    gates = dict(parse_gate(g) for g in fail_under)
    run = run_eval(
        loaded,
        configs,
        desk=desk.reference,
        workers=workers,
        seed=seed,
        repeat=repeat,
        output=output,
        resume=resume,
        gates=gates,
        progress=sys.stderr,
    )
    if report is not None:
        report.write_text(html_report(run.metrics, run.records, run.gate_failures), encoding="utf-8")
    if as_json:
        out = {
            "configs": run.configs,
            "metrics": run.metrics,
            "gate_failures": run.gate_failures,
            "conversations_per_second": round(run.conversations_per_second, 2),
            "seconds": round(run.seconds, 2),
            "failed_scenarios": [
                {"config": r.config, "scenario": r.scenario, "repetition": r.repetition, "failures": r.failures}
                for r in run.records
                if r.failures
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(metrics_table(run.metrics))
        print(f"\n{run.ran} conversations in {run.seconds:.1f} s: {run.conversations_per_second:.2f} conversations/s")
        failed = [r for r in run.records if r.failures]
        if failed:
            print(f"\n{len(failed)} scenario run(s) missed an expectation:")
            for r in failed[:40]:
                print(f"  {r.config}/{r.scenario}#{r.repetition}: {'; '.join(r.failures)}")
        if report is not None:
            print(f"\nreport: {report}")
    for config, failures in run.gate_failures.items():
        for failure in failures:
            print(f"relevo eval: gate failed on {config}: {failure}", file=sys.stderr)
    return 1 if run.gate_failures else 0


def eval_intents(
    *,
    train: Path,
    test: Path,
    shots: int | None,
    seed: int,
    oos_label: str | None,
    text_column: str | None,
    label_column: str | None,
    as_json: bool,
) -> int:
    result = evaluate_intent_dataset(
        train,
        test,
        shots=shots,
        seed=seed,
        oos_label=oos_label,
        text_column=text_column,
        label_column=label_column,
        progress=sys.stderr,
    )
    data = result.as_json()
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"train {result.n_train} · test {result.n_test} · shots {result.shots or 'all'} · seed {result.seed}")
    print(f"accuracy {data['accuracy']:.4f} · macro-F1 {data['macro_f1']:.4f}")
    names = "taught" if result.label_names_taught else "not taught (no leave-one-out gain)"
    print(f"leave-one-out on the training texts {data['loo_accuracy']:.4f} · label names {names}")
    if result.oos_label is not None:
        print(f"out-of-scope ({result.oos_label}): recall {result.oos_recall} · precision {result.oos_precision}")
    print("\nper label (precision / recall / F1 / support):")
    for label, s in sorted(result.report.per_label.items(), key=lambda kv: kv[1].f1):
        print(f"  {label:<40} {s.precision:.3f} {s.recall:.3f} {s.f1:.3f} {s.support:>5}")
    print("\nmost confused (true → predicted):")
    for t, p, n in result.report.confused:
        print(f"  {n:>4}  {t} → {p}")
    return 0


def eval_oos(
    *, datasets: list[str], shots: int | None, seed: int, limit: int | None, budget: float, as_json: bool
) -> int:
    """Print the out-of-scope proxy's figures, one block per catalog (README: Evaluate)."""
    results = evaluate_out_of_scope(
        [parse_oos_dataset(spec) for spec in datasets],
        shots=shots,
        seed=seed,
        limit=limit,
        oos_budget=budget,
        progress=sys.stderr,
    )
    if as_json:
        print(json.dumps({"shots": shots, "seed": seed, "proxies": [r.as_json() for r in results]}, indent=2))
        return 0
    print(f"shots {shots or 'all'} · seed {seed} · confidence budget {budget:g}")
    for r in results:
        print(
            f"\n{r.catalog} catalog ({r.n_train} training texts), {' + '.join(r.outside)} as out of scope: "
            f"{r.n_in_scope} in scope, {r.n_out_of_scope} out of scope"
        )
        print(
            f"  in-scope accuracy {r.accuracy:.4f} with nothing flagged · floors: similarity "
            f"{r.similarity_floor:.4f}, confidence {r.confidence_floor:.4f}"
        )
        for name, rule in (("similarity floor only", r.floor_only), ("calibrated (triage's rule)", r.calibrated)):
            print(
                f"  {name:<27} out-of-scope recall {rule.oos_recall:.4f} · in-scope accuracy {rule.accuracy:.4f} "
                f"({rule.lost_points:.2f} points lost, {rule.in_scope_flagged:.2%} of in-scope flagged)"
            )
    return 0


def eval_escalation(*, data: Path, split: str | None, as_json: bool) -> int:
    result = evaluate_escalation_dataset(data, split=split, progress=sys.stderr).as_json()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"explicit human request on {result['n']} utterances: precision {result['precision']:.4f} · "
        f"recall {result['recall']:.4f} · F1 {result['f1']:.4f} "
        f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']}, tn {result['tn']})"
    )
    for text in result["missed"][:10]:
        print(f"  missed:      {text}")
    for text in result["false_alarms"][:10]:
        print(f"  false alarm: {text}")
    return 0
