"""Offline evaluation: scenario suites, labelled datasets, metrics, side-by-side reports and gates."""

from relevo.evals._audit import ConversationAudit
from relevo.evals._datasets import (
    EscalationDatasetReport,
    IntentDatasetReport,
    evaluate_escalation_dataset,
    evaluate_intent_dataset,
)
from relevo.evals._metrics import (
    LOWER_IS_BETTER,
    ClassificationReport,
    LabelScores,
    check_gates,
    classify_report,
    parse_gate,
    suite_metrics,
)
from relevo.evals._records import ConversationRecord, ModelCallUsage, TurnRecord
from relevo.evals._report import html_report, metrics_table
from relevo.evals._run import EvalRun, run_eval
from relevo.evals._runner import NodeTimer, timed_desk
from relevo.evals._scenario import (
    Expectations,
    Persona,
    Scenario,
    ScenarioFileError,
    ScriptedTurn,
    Setup,
    SimulatedCustomer,
    Suite,
    load_suite,
    load_suites,
    named_suites,
    parse_suite,
)

__all__ = [
    "LOWER_IS_BETTER",
    "ClassificationReport",
    "ConversationAudit",
    "ConversationRecord",
    "EscalationDatasetReport",
    "EvalRun",
    "Expectations",
    "IntentDatasetReport",
    "LabelScores",
    "ModelCallUsage",
    "NodeTimer",
    "Persona",
    "Scenario",
    "ScenarioFileError",
    "ScriptedTurn",
    "Setup",
    "SimulatedCustomer",
    "Suite",
    "TurnRecord",
    "check_gates",
    "classify_report",
    "evaluate_escalation_dataset",
    "evaluate_intent_dataset",
    "html_report",
    "load_suite",
    "load_suites",
    "metrics_table",
    "named_suites",
    "parse_gate",
    "parse_suite",
    "run_eval",
    "suite_metrics",
    "timed_desk",
]
