"""The ``relevo eval run --report`` page in a real browser: Debian's Chromium, driven by Playwright.

A small suite runs on two configurations of the offline desk; the report is opened from disk with the network
blocked. Every plot must draw (an SVG with a size, shapes with a size, no label spilling out of its plot), the
page must log no error and ask for nothing but itself. A screenshot goes to ``test-artifacts/eval-report.png``
(git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relevo.evals import html_report, parse_suite, run_eval
from relevo.evals._runner import close_desks
from relevo.testing._services import service_missing

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.slow

SUITE = """\
name: report
scenarios:
  - id: delayed-order
    setup: {customer: C-1001}
    turns: ["Hi, my headphones still haven't arrived", "yes please", "thanks, bye"]
    expect: {escalate: false}
  - id: asks-for-a-person
    setup: {customer: C-1002}
    turns: ["¿Dónde está mi pedido?", "Quiero hablar con un agente"]
    expect: {escalate: true, reasons: [explicit_request]}
  - id: out-of-scope-twice
    turns: ["tell me a joke", "who should I vote for?"]
    expect: {escalate: true, reasons: [out_of_scope]}
"""

# Per plot: its size, how many shapes (rect/line) have a drawn size, and the labels drawn outside it.
_MEASURE = """() => [...document.querySelectorAll('figure svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const shapes = [...svg.querySelectorAll('rect, line')].filter(s => {
    const r = s.getBoundingClientRect(); return r.width > 0 || r.height > 0; }).length;
  const spilled = [...svg.querySelectorAll('text')].filter(t => {
    const r = t.getBoundingClientRect();
    return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
  }).map(t => t.textContent);
  return {label: svg.getAttribute('aria-label'), width: box.width, height: box.height, shapes, spilled};
})"""


def test_report_plots_render_offline(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        service_missing("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    strict = tmp_path / "strict.toml"
    strict.write_text("[escalation.out_of_scope]\nconsecutive = 1\n", encoding="utf-8")
    default = tmp_path / "default.toml"
    default.write_text("", encoding="utf-8")
    close_desks()
    run = run_eval([parse_suite(SUITE, "report.yaml")], [default, strict])
    close_desks()
    report = tmp_path / "report.html"
    report.write_text(html_report(run.metrics, run.records, run.gate_failures), encoding="utf-8")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))

            def record(route: Any) -> None:
                requests.append(route.request.url)
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    route.abort()  # the report must not need the network

            page.route("**/*", record)
            page.goto(report.as_uri())
            plots: list[dict[str, Any]] = page.evaluate(_MEASURE)
            page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
        finally:
            browser.close()

    assert problems == []
    assert requests == [report.as_uri()]
    labels = [p["label"] for p in plots]
    assert labels == [
        "Rates per configuration (0 … 1)",
        "Escalation confusion matrix — default (rows: expected)",
        "Escalation confusion matrix — strict (rows: expected)",
        "Latency per node (agent time inside each node, and whole turn)",
        "Cost per conversation (the offline engine costs nothing)",
    ]
    for plot in plots:
        assert plot["width"] > 100 and plot["height"] > 50, plot
        assert plot["shapes"] >= 2, plot
        assert plot["spilled"] == [], plot
    # Two configurations, three scenarios each, and the second hands off sooner: the plots carry both.
    assert run.metrics["strict"]["escalation_recall"] == 1.0
    assert sum(p["shapes"] for p in plots if p["label"].startswith("Latency")) >= 4 * 2 * 3
