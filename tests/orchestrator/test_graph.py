"""The graph's topology is reviewed as a drawing: a change to it shows up here."""

from __future__ import annotations

from pathlib import Path

from relevo.orchestrator import NodeName, SupportGraphBuilder

SNAPSHOT = Path(__file__).parent / "snapshots" / "support_graph.mmd"


def test_support_graph_drawing_matches_snapshot() -> None:
    drawn = SupportGraphBuilder().compile().get_graph().draw_mermaid()
    assert drawn.strip() == SNAPSHOT.read_text(encoding="utf-8").strip(), (
        "the support graph's topology changed; if intended, regenerate with "
        "`relevo graph > tests/orchestrator/snapshots/support_graph.mmd`"
    )


def test_every_node_name_is_in_the_graph() -> None:
    nodes = set(SupportGraphBuilder().compile().get_graph().nodes)
    assert {n.value for n in NodeName} <= nodes
