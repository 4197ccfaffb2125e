"""Which conversations a desk's benchmarks replay: the ones it declares, else its scripted scenarios."""

from __future__ import annotations

from relevo._errors import BadInputError
from relevo.evals import ScriptedTurn, load_suites
from relevo.orchestrator import BenchConversation, DeskBuilder

__all__ = ["bench_conversations"]


def bench_conversations(builder: DeskBuilder, *, desk: str = "the desk") -> tuple[BenchConversation, ...]:
    """The conversations ``relevo bench turn``, ``serve`` and ``llm-turn`` replay on a desk, in this order.

    The desk's own (:meth:`DeskBuilder.with_bench`; a desk folder's ``bench.yaml``) when it declares any; else one
    per scripted scenario of its default suite (the ``*.yaml`` files directly in its scenario folder, in file
    order): the scenario's customer, and its scripted customer lines without the human-side ``/commands``.
    Simulated-customer scenarios are skipped (what they say depends on the replies).

    Args:
        desk: how error messages name the desk (its ``--desk`` reference).

    Raises:
        BadInputError: the desk declares no conversations and has no scripted scenario with a customer line.
        ScenarioFileError: a scenario file is malformed.
    """
    if builder.bench:
        return builder.bench
    found: list[BenchConversation] = []
    folder = builder.scenarios
    if folder is not None and (any(folder.glob("*.yaml")) or any(folder.glob("*.yml"))):
        for suite in load_suites([], scenarios=folder):
            for scenario in suite.scenarios:
                lines = [t.say if isinstance(t, ScriptedTurn) else t for t in scenario.turns or ()]
                messages = tuple(line for line in lines if not line.startswith("/"))
                if messages:
                    found.append(BenchConversation(scenario.setup.customer, messages))
    if not found:
        raise BadInputError(
            f"{desk} has no conversations to benchmark: declare them (DeskBuilder.with_bench, or bench.yaml in a "
            "desk folder) or add scripted scenarios (turns:) to its scenarios/ folder"
        )
    return tuple(found)
