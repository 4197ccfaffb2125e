"""The comparison table (metrics × configurations) and a self-contained HTML report with inline SVG."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from relevo.evals._metrics import LOWER_IS_BETTER, percentile
from relevo.evals._records import ConversationRecord

__all__ = ["HEADLINE_METRICS", "html_report", "metrics_table"]

HEADLINE_METRICS = (
    "conversations",
    "pass_rate",
    "intent_accuracy",
    "intent_macro_f1",
    "escalation_precision",
    "escalation_recall",
    "escalation_f1",
    "reason_match",
    "time_to_escalate",
    "containment_rate",
    "packet_completeness",
    "repeat_ask_rate",
    "contradiction_after_handback_rate",
    "loop_rate",
    "grounding_rate",
    "ungrounded_reply_rate",
    "guard_fired_rate",
    "policy_violations",
    "forbidden_behaviour_rate",
    "latency_turn_p50_ms",
    "latency_turn_p95_ms",
    "tokens_per_conversation",
    "cost_per_conversation",
)
_COLOURS = ("#2f6db5", "#d9822b", "#3d9a50", "#b53d3d", "#7a4fb5", "#777777")


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def metrics_table(metrics: dict[str, dict[str, float]]) -> str:
    """Metrics as rows, configurations as columns (headline metrics, then per-node latency)."""
    configs = list(metrics)
    names = [m for m in HEADLINE_METRICS if any(m in v for v in metrics.values())]
    names += sorted({k for v in metrics.values() for k in v if k.startswith("latency_") and k not in names})
    width = max(len(n) for n in names) + 2
    cols = [max(len(c), 9) for c in configs]
    lines = ["metric".ljust(width) + "  ".join(c.rjust(w) for c, w in zip(configs, cols, strict=True))]
    for name in names:
        cells = [_fmt(metrics[c].get(name, 0.0)).rjust(w) for c, w in zip(configs, cols, strict=True)]
        lines.append(name.ljust(width) + "  ".join(cells))
    return "\n".join(lines)


# -- SVG --------------------------------------------------------------------------------------------------
def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">'
        + "".join(body)
        + f"</svg><figcaption>{html.escape(title)}</figcaption></figure>"
    )


def _text(x: float, y: float, s: str, *, anchor: str = "start", size: int = 11, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}">{html.escape(s)}</text>'
    )


def _confusion(config: str, metrics: dict[str, float]) -> str:
    cells = (
        metrics.get("escalation_tp", 0),  # expected, escalated
        metrics.get("escalation_fn", 0),  # expected, not escalated
        metrics.get("escalation_fp", 0),  # not expected, escalated
        metrics.get("escalation_tn", 0),  # not expected, not escalated
    )
    total = max(1.0, float(sum(cells)))
    left, top = 120, 44
    body = [_text(left + 100, 16, f"{config}: what the desk did →", anchor="middle", weight="bold")]
    body += [
        _text(left + 50, 36, "escalated", anchor="middle"),
        _text(left + 150, 36, "not escalated", anchor="middle"),
    ]
    for i, value in enumerate(cells):
        col, row = i % 2, i // 2
        x, y = left + col * 100, top + row * 70
        good = col == row
        shade = 0.15 + 0.85 * value / total
        colour = f"rgba(61,154,80,{shade:.2f})" if good else f"rgba(181,61,61,{shade:.2f})"
        body.append(f'<rect x="{x}" y="{y}" width="98" height="68" fill="{colour}" stroke="#333"/>')
        body.append(_text(x + 49, y + 40, _fmt(value), anchor="middle", size=16, weight="bold"))
    body += [
        _text(left - 6, top + 32, "should escalate", anchor="end"),
        _text(left - 6, top + 102, "should not", anchor="end"),
    ]
    return _svg(left + 210, 190, body, f"Escalation confusion matrix — {config} (rows: expected)")


_CHAR_WIDTH = 6.5
"""Roughly the width of one character of 11 px sans-serif, to size label columns without a browser."""


def _label_width(labels: Sequence[str]) -> int:
    return int(_CHAR_WIDTH * max((len(label) for label in labels), default=0)) + 12


def _bars(metrics: dict[str, dict[str, float]], names: Sequence[str], title: str) -> str:
    configs = list(metrics)
    labels = [name + (" (lower is better)" if name in LOWER_IS_BETTER else "") for name in names]
    left = _label_width(labels)
    row_h = 14 * len(configs) + 8
    height = 30 + row_h * len(names)
    body: list[str] = []
    for n, label in enumerate(labels):
        y0 = 24 + n * row_h
        body.append(_text(left - 5, y0 + 10, label, anchor="end"))
        for i, config in enumerate(configs):
            value = metrics[config].get(names[n], 0.0)
            width = 420 * max(0.0, min(1.0, value))
            y = y0 + i * 14
            body.append(f'<rect x="{left}" y="{y}" width="{width:.1f}" height="12" fill="{_COLOURS[i % 6]}"/>')
            body.append(_text(left + 5 + width, y + 10, _fmt(value), size=10))
    body += _legend(configs, left, 4)
    return _svg(left + 480, height, body, title)


def _legend(configs: Sequence[str], x: float, y: float) -> list[str]:
    out: list[str] = []
    for i, config in enumerate(configs):
        out.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{_COLOURS[i % 6]}"/>')
        out.append(_text(x + 14, y + 9, config, size=11))
        x += 30 + _CHAR_WIDTH * len(config)
    return out


_LOG_FLOOR_MS = 0.01


def _latency(records: Sequence[ConversationRecord], configs: Sequence[str]) -> str:
    nodes = [*sorted({k for r in records for t in r.turns for k in t.node_ms}), "turn"]
    rows = [(node, config) for node in nodes for config in configs]
    values: dict[tuple[str, str], list[float]] = {}
    for node, config in rows:
        values[(node, config)] = [
            (t.turn_ms if node == "turn" else t.node_ms[node])
            for r in records
            if r.config == config
            for t in r.turns
            if node == "turn" or node in t.node_ms
        ]
    # Nodes take from hundredths of a millisecond (a rule check) to hundreds (a model call): a log axis.
    top = max([max(v) for v in values.values() if v] + [1.0])
    decades = range(math.floor(math.log10(_LOG_FLOOR_MS)), math.ceil(math.log10(top)) + 1)
    low, high = 10.0 ** decades[0], 10.0 ** decades[-1]
    labels = [f"{node} · {config}" for node, config in rows]
    left, plot_w = _label_width(labels), 460.0

    def x(ms: float) -> float:
        span = math.log10(high) - math.log10(low)
        return left + plot_w * (math.log10(max(ms, low)) - math.log10(low)) / span

    axis_y = 28 + 20 * len(rows)
    body: list[str] = [_text(left, 12, "box p25–p75, tick p50, whisker p5–p95; milliseconds, log scale", size=10)]
    for decade in decades:
        ms = 10.0**decade
        body.append(f'<line x1="{x(ms):.1f}" y1="20" x2="{x(ms):.1f}" y2="{axis_y}" stroke="#ddd"/>')
        body.append(_text(x(ms), axis_y + 12, f"{ms:g}", anchor="middle", size=9))
    for n, (node, config) in enumerate(rows):
        y = 24 + n * 20
        v = values[(node, config)]
        body.append(_text(left - 5, y + 11, labels[n], anchor="end"))
        if not v:
            continue
        p5, p25, p50, p75, p95 = (percentile(v, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
        colour = _COLOURS[configs.index(config) % 6]
        body.append(f'<line x1="{x(p5):.1f}" y1="{y + 7}" x2="{x(p95):.1f}" y2="{y + 7}" stroke="{colour}"/>')
        body.append(
            f'<rect x="{x(p25):.1f}" y="{y}" width="{max(1.0, x(p75) - x(p25)):.1f}" height="14" '
            f'fill="{colour}" fill-opacity="0.4" stroke="{colour}"/>'
        )
        body.append(
            f'<line x1="{x(p50):.1f}" y1="{y}" x2="{x(p50):.1f}" y2="{y + 14}" stroke="#000" stroke-width="2"/>'
        )
        body.append(_text(x(p95) + 4, y + 11, f"p50 {p50:.2f} · p95 {p95:.2f}", size=9))
    return _svg(
        int(left + plot_w + 130), axis_y + 20, body, "Latency per node (agent time inside each node, and whole turn)"
    )


def _cost(records: Sequence[ConversationRecord], configs: Sequence[str]) -> str:
    body: list[str] = []
    means = {
        config: (
            sum(r.cost_usd for r in records if r.config == config) / max(1, sum(r.config == config for r in records)),
            sum(r.tokens for r in records if r.config == config) / max(1, sum(r.config == config for r in records)),
        )
        for config in configs
    }
    top = max([cost for cost, _ in means.values()] + [0.0])
    left = _label_width(configs)
    for i, config in enumerate(configs):
        mean, mean_tokens = means[config]
        y = 20 + i * 26
        width = 400 * (mean / top) if top > 0 else 0.0
        body.append(_text(left - 5, y + 12, config, anchor="end"))
        body.append(f'<rect x="{left}" y="{y}" width="{max(width, 1):.1f}" height="16" fill="{_COLOURS[i % 6]}"/>')
        body.append(_text(left + 6 + width, y + 12, f"${mean:.5f} / conversation, {mean_tokens:.0f} tokens", size=10))
    return _svg(left + 640, 30 + 26 * len(configs), body, "Cost per conversation (the offline engine costs nothing)")


def html_report(
    metrics: dict[str, dict[str, float]],
    records: Sequence[ConversationRecord],
    gate_failures: dict[str, list[str]],
    *,
    title: str = "relevo eval",
) -> str:
    """One self-contained HTML page: tables, inline SVG plots, failed scenarios; no scripts, no network."""
    configs = list(metrics)
    table_rows = []
    names = [m for m in HEADLINE_METRICS if any(m in v for v in metrics.values())]
    for name in names:
        cells = "".join(f"<td>{_fmt(metrics[c].get(name, 0.0))}</td>" for c in configs)
        table_rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in configs)
    rates = [
        "pass_rate",
        "intent_accuracy",
        "intent_macro_f1",
        "escalation_precision",
        "escalation_recall",
        "escalation_f1",
        "reason_match",
        "containment_rate",
        "packet_completeness",
        "grounding_rate",
        "ungrounded_reply_rate",
        "guard_fired_rate",
        "repeat_ask_rate",
        "contradiction_after_handback_rate",
        "loop_rate",
        "forbidden_behaviour_rate",
    ]
    gates = "".join(
        f"<li><b>{html.escape(c)}</b>: {html.escape(msg)}</li>" for c, msgs in gate_failures.items() for msg in msgs
    )
    failed = [r for r in records if r.failures]
    failed_rows = "".join(
        f"<tr><td>{html.escape(r.config)}</td><td>{html.escape(r.scenario)}</td>"
        f"<td>{html.escape('; '.join(r.failures))}</td></tr>"
        for r in failed[:300]
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}",
        "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}",
        "th{background:#f3f3f3}td:last-child{text-align:left}figure{margin:12px 0}",
        "figcaption{font-size:12px;color:#555}.grid{display:flex;flex-wrap:wrap;gap:12px}",
        "</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(records)} conversations on {len(configs)} configuration(s): {html.escape(', '.join(configs))}.</p>",
        "<h2>Gates</h2>",
        f"<ul>{gates}</ul>" if gates else "<p>All gates pass.</p>",
        f"<h2>Metrics</h2><table><tr><th>metric</th>{head}</tr>{''.join(table_rows)}</table>",
        _bars(metrics, rates, "Rates per configuration (0 … 1)"),
        "<h2>Escalation</h2><div class='grid'>",
        *(_confusion(c, metrics[c]) for c in configs),
        "</div><h2>Latency</h2>",
        _latency(records, configs),
        "<h2>Cost</h2>",
        _cost(records, configs),
        f"<h2>Failed scenarios ({len(failed)})</h2>",
        f"<table><tr><th>config</th><th>scenario</th><th>what went wrong</th></tr>{failed_rows}</table>",
        "</body></html>",
    ]
    return "\n".join(parts)
