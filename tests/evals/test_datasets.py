"""Labelled-dataset mode on small CSVs (a Banking77 subset when ../shared/evaldata is present)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from relevo._errors import BadInputError
from relevo.cli import main

BANKING = Path(__file__).resolve().parents[3] / "shared" / "evaldata" / "banking77"


def test_escalation_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "esc.csv"
    data.write_text(
        "utterance,label_escalate_human\n"
        "I want to talk to a human,1\n"
        "Quiero hablar con un agente,1\n"
        "what is your customer service phone number,0\n"
        "where is my order,0\n",
        encoding="utf-8",
    )
    assert main(["eval", "escalation", "--data", str(data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 4 and out["precision"] == 1.0 and out["recall"] == 1.0 and out["f1"] == 1.0


def test_escalation_dataset_needs_its_label_column(tmp_path: Path) -> None:
    from relevo.evals import evaluate_escalation_dataset

    data = tmp_path / "bad.csv"
    data.write_text("text,label\nhi,1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"no label column .*label_escalate_human"):
        evaluate_escalation_dataset(data)


@pytest.mark.skipif(not BANKING.is_dir(), reason="../shared/evaldata/banking77 is not on this machine")
def test_intents_on_a_banking77_subset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = ("card_arrival", "exchange_rate", "lost_or_stolen_card")

    def subset(src: Path, dst: Path, per_label: int) -> None:
        with src.open(encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["category"] in labels]
        kept = [r for label in labels for r in [r for r in rows if r["category"] == label][:per_label]]
        with dst.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["text", "category"])
            writer.writeheader()
            writer.writerows(kept)

    subset(BANKING / "train.csv", tmp_path / "train.csv", 6)
    subset(BANKING / "test.csv", tmp_path / "test.csv", 4)
    args = ["eval", "intents", "--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv")]
    assert main([*args, "--shots", "2", "--seed", "0", "--oos-label", "exchange_rate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_test"] == 12 and out["shots"] == 2
    assert 0.5 <= out["accuracy"] <= 1.0 and 0.0 <= out["macro_f1"] <= 1.0
    assert {"oos_recall", "oos_precision"} <= set(out)
