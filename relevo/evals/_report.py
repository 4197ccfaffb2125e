"""The comparison table (metrics × configurations) and a self-contained HTML report with inline SVG."""

from __future__ import annotations

import html
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
    "loop_rate",
    "grounding_rate",
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
        ("escalated", "expected", metrics.get("escalation_tp", 0)),
        ("not escalated", "expected", metrics.get("escalation_fn", 0)),
        ("escalated", "not expected", metrics.get("escalation_fp", 0)),
        ("not escalated", "not expected", metrics.get("escalation_tn", 0)),
    )
    total = max(1.0, sum(c[2] for c in cells))
    body = [_text(150, 16, f"{config}: actual →", anchor="middle", weight="bold")]
    body += [_text(100, 36, "escalated", anchor="middle"), _text(200, 36, "not escalated", anchor="middle")]
    for i, (_, _, value) in enumerate(cells):
        col, row = i % 2, i // 2
        x, y = 50 + col * 100, 44 + row * 70
        good = (col == 0) == (row == 0)
        shade = 0.15 + 0.85 * value / total
        colour = f"rgba(61,154,80,{shade:.2f})" if good else f"rgba(181,61,61,{shade:.2f})"
        body.append(f'<rect x="{x}" y="{y}" width="98" height="68" fill="{colour}" stroke="#333"/>')
        body.append(_text(x + 49, y + 40, _fmt(value), anchor="middle", size=16, weight="bold"))
    body += [_text(45, 82, "expected", anchor="end"), _text(45, 152, "not expected", anchor="end")]
    return _svg(300, 190, body, f"Escalation confusion matrix — {config} (rows: expected)")


def _bars(metrics: dict[str, dict[str, float]], names: Sequence[str], title: str) -> str:
    configs = list(metrics)
    row_h = 14 * len(configs) + 8
    height = 30 + row_h * len(names)
    body: list[str] = []
    for n, name in enumerate(names):
        y0 = 24 + n * row_h
        suffix = " (lower is better)" if name in LOWER_IS_BETTER else ""
        body.append(_text(215, y0 + 10, name + suffix, anchor="end"))
        for i, config in enumerate(configs):
            value = metrics[config].get(name, 0.0)
            width = 420 * max(0.0, min(1.0, value))
            y = y0 + i * 14
            body.append(f'<rect x="220" y="{y}" width="{width:.1f}" height="12" fill="{_COLOURS[i % 6]}"/>')
            body.append(_text(225 + width, y + 10, _fmt(value), size=10))
    for i, config in enumerate(configs):
        body.append(f'<rect x="{220 + i * 130}" y="4" width="10" height="10" fill="{_COLOURS[i % 6]}"/>')
        body.append(_text(234 + i * 130, 13, config, size=11))
    return _svg(720, height, body, title)


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
    top = max([percentile(v, 0.99) for v in values.values() if v] + [1.0])
    body: list[str] = [_text(220, 14, f"ms (0 … {top:.0f}); box p25–p75, tick p50, whisker p5–p95", size=10)]
    for n, (node, config) in enumerate(rows):
        y = 24 + n * 20
        v = values[(node, config)]
        body.append(_text(215, y + 11, f"{node} · {config}", anchor="end"))
        if not v:
            continue

        def x(ms: float) -> float:
            return 220 + 460 * min(1.0, ms / top)

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
        body.append(_text(x(p95) + 4, y + 11, f"p50 {p50:.1f} · p95 {p95:.1f}", size=9))
    return _svg(820, 34 + 20 * len(rows), body, "Latency per node (agent time inside each node, and whole turn)")


def _cost(records: Sequence[ConversationRecord], configs: Sequence[str]) -> str:
    body: list[str] = []
    top = max([r.cost_usd for r in records] + [0.0])
    for i, config in enumerate(configs):
        costs = [r.cost_usd for r in records if r.config == config]
        tokens = [r.tokens for r in records if r.config == config]
        y = 20 + i * 26
        mean = sum(costs) / len(costs) if costs else 0.0
        width = 400 * (mean / top) if top > 0 else 0.0
        body.append(_text(215, y + 12, config, anchor="end"))
        body.append(f'<rect x="220" y="{y}" width="{max(width, 1):.1f}" height="16" fill="{_COLOURS[i % 6]}"/>')
        mean_tokens = sum(tokens) / len(tokens) if tokens else 0.0
        body.append(_text(226 + width, y + 12, f"${mean:.5f} / conversation, {mean_tokens:.0f} tokens", size=10))
    return _svg(720, 30 + 26 * len(configs), body, "Cost per conversation (the offline engine costs nothing)")


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
        "repeat_ask_rate",
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
