"""Metrics over evaluated conversations and labelled predictions, and the gates a run must pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from relevo._errors import BadInputError
from relevo.evals._records import ConversationRecord

__all__ = [
    "LOWER_IS_BETTER",
    "ClassificationReport",
    "LabelScores",
    "check_gates",
    "classify_report",
    "parse_gate",
    "percentile",
    "suite_metrics",
]

LOWER_IS_BETTER = frozenset(
    {
        "repeat_ask_rate",
        "contradiction_after_handback_rate",
        "loop_rate",
        "policy_violations",
        "forbidden_behaviour_rate",
        "time_to_escalate",
        "tokens_per_conversation",
        "cost_per_conversation",
        "ungrounded_reply_rate",
        "guard_fired_rate",
    }
)
"""Gates on these metrics are maxima; gates on every other metric are minima. So are latency metrics
(``latency_<node>_p50_ms``/``_p95_ms``)."""


def _lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER or metric.startswith("latency_")


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0..1) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    accuracy: float
    macro_f1: float
    per_label: dict[str, LabelScores]
    confused: list[tuple[str, str, int]]
    """(true, predicted, count), most frequent first."""


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def classify_report(truth: Sequence[str], predicted: Sequence[str], *, top: int = 10) -> ClassificationReport:
    """Accuracy, macro-F1 over the true labels, per-label scores and the most confused pairs."""
    if not truth:
        return ClassificationReport(0.0, 0.0, {}, [])
    pairs = list(zip(truth, predicted, strict=True))
    true_count = Counter(truth)
    pred_count = Counter(predicted)
    hits = Counter(t for t, p in pairs if t == p)
    per_label: dict[str, LabelScores] = {}
    for label in sorted(true_count):
        precision = hits[label] / pred_count[label] if pred_count[label] else 0.0
        recall = hits[label] / true_count[label]
        per_label[label] = LabelScores(
            round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4), true_count[label]
        )
    confused = Counter((t, p) for t, p in pairs if t != p).most_common(top)
    return ClassificationReport(
        accuracy=round(sum(hits.values()) / len(pairs), 4),
        macro_f1=round(sum(s.f1 for s in per_label.values()) / len(per_label), 4),
        per_label=per_label,
        confused=[(t, p, n) for (t, p), n in confused],
    )


def suite_metrics(records: Iterable[ConversationRecord]) -> dict[str, float]:
    """Every scenario metric of one configuration's conversations."""
    convs = list(records)
    n = len(convs)
    if n == 0:
        return {"conversations": 0}
    turns = [t for c in convs for t in c.turns]
    labelled = [t for t in turns if t.expected_intent is not None]
    intents = classify_report([t.expected_intent or "" for t in labelled], [t.intent or "" for t in labelled])

    tp = sum(1 for c in convs if c.expect.escalate and c.escalated)
    fp = sum(1 for c in convs if not c.expect.escalate and c.escalated)
    fn = sum(1 for c in convs if c.expect.escalate and not c.escalated)
    tn = n - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    with_reasons = [c for c in convs if c.expect.escalate and c.escalated and c.expect.reasons]
    reason_hits = sum(1 for c in with_reasons if all(r in c.first_reasons for r in c.expect.reasons))
    escalated_turns = [c.first_escalation_turn for c in convs if c.first_escalation_turn is not None]

    required = [(c, f) for c in convs if c.expect.escalate for f in c.expect.packet_facts]
    present = sum(1 for c, f in required if f in c.packet_facts)
    ai_turns = [t for t in turns if t.actor == "ai"]
    stating = [t for t in ai_turns if t.states_facts]
    # AI answers to customer messages after a hand-back; those restating a value the human superseded count.
    after_handback = [t for t in ai_turns if t.after_handback]
    promises = sum(1 for c in convs for v in c.violations if v.startswith("promise_beyond_policy"))
    # Model-written replies the grounding guard checked; "observed" ones reached the customer with a claim not
    # in evidence (guard in observe mode, or a reply it could not replace).
    guarded = [t.guard for t in turns if t.guard is not None]

    out: dict[str, float] = {
        "conversations": n,
        "turns": len(turns),
        "pass_rate": sum(1 for c in convs if c.passed) / n,
        "intent_accuracy": intents.accuracy,
        "intent_macro_f1": intents.macro_f1,
        "escalation_precision": precision,
        "escalation_recall": recall,
        "escalation_f1": _f1(precision, recall),
        "escalation_tp": tp,
        "escalation_fp": fp,
        "escalation_fn": fn,
        "escalation_tn": tn,
        "reason_match": reason_hits / len(with_reasons) if with_reasons else 1.0,
        "time_to_escalate": sum(escalated_turns) / len(escalated_turns) if escalated_turns else 0.0,
        "containment_rate": sum(1 for c in convs if not c.escalated) / n,
        "packet_completeness": present / len(required) if required else 1.0,
        "repeat_ask_rate": sum(1 for t in ai_turns if t.repeat_asks) / len(ai_turns) if ai_turns else 0.0,
        "contradiction_after_handback_rate": (
            sum(1 for t in after_handback if t.contradictions) / len(after_handback) if after_handback else 0.0
        ),
        "loop_rate": sum(1 for c in convs if c.looped) / n,
        "grounding_rate": sum(1 for t in stating if t.grounding) / len(stating) if stating else 1.0,
        "policy_violations": promises,
        "ungrounded_reply_rate": sum(1 for g in guarded if g.action == "observed") / len(guarded) if guarded else 0.0,
        "guard_fired_rate": sum(1 for g in guarded if g.fired) / len(guarded) if guarded else 0.0,
        "forbidden_behaviour_rate": sum(1 for c in convs if c.violations) / n,
        "tokens_per_conversation": sum(c.tokens for c in convs) / n,
        "cost_per_conversation": sum(c.cost_usd for c in convs) / n,
    }
    nodes = sorted({k for t in turns for k in t.node_ms})
    for node in [*nodes, "turn"]:
        values = [t.turn_ms for t in turns] if node == "turn" else [t.node_ms[node] for t in turns if node in t.node_ms]
        out[f"latency_{node}_p50_ms"] = percentile(values, 0.5)
        out[f"latency_{node}_p95_ms"] = percentile(values, 0.95)
    return {k: round(v, 4) for k, v in out.items()}


def parse_gate(text: str) -> tuple[str, float]:
    """``metric=value`` as a pair.

    Raises:
        BadInputError: not of that shape.
    """
    name, sep, value = text.partition("=")
    try:
        if not sep or not name.strip():
            raise ValueError(text)
        return name.strip(), float(value)
    except ValueError as exc:
        raise BadInputError(f"--fail-under takes metric=value (e.g. escalation_recall=0.9), got {text!r}") from exc


def check_gates(metrics: Mapping[str, float], gates: Mapping[str, float]) -> list[str]:
    """The gates ``metrics`` fails, in words (empty: all pass).

    Raises:
        BadInputError: a gate names a metric that does not exist.
    """
    failed: list[str] = []
    for name, threshold in gates.items():
        if name not in metrics:
            known = ", ".join(k for k in sorted(metrics) if not k.startswith("latency_"))
            raise BadInputError(f"gate on unknown metric {name!r}; metrics: {known}, latency_<node>_p50_ms/_p95_ms")
        value = metrics[name]
        if _lower_is_better(name):
            if value > threshold:
                failed.append(f"{name} = {value:g} is above the maximum {threshold:g}")
        elif value < threshold:
            failed.append(f"{name} = {value:g} is below the minimum {threshold:g}")
    return failed
