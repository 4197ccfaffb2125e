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


@pytest.mark.skipif(
    not BANKING.is_dir(), reason=f"optional evaluation data {BANKING}/train.csv is absent (README: Evaluate)"
)
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
    assert 0.0 <= out["loo_accuracy"] <= 1.0 and isinstance(out["label_names_taught"], bool)


def test_label_names_in_words_skip_codes_and_the_out_of_scope_label() -> None:
    from relevo.evals._datasets import label_names

    names = label_names(["card_arrival", "TopUp-failed", "L17", "123", "oos", "card_arrival"], exclude="oos")

    assert names == {"TopUp-failed": ["TopUp failed"], "card_arrival": ["card arrival"]}


def _write(path: Path, rows: dict[str, list[str]]) -> Path:
    lines = ["text,label", *(f"{text},{label}" for label, texts in rows.items() for text in texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_label_names_are_taught_when_leave_one_out_improves(tmp_path: Path) -> None:
    from relevo.evals import evaluate_intent_dataset

    # One example per label: held out, it leaves its label nothing to learn from, unless the name is taught.
    train = _write(
        tmp_path / "train.csv",
        {"refund": ["I want my money back"], "track_order": ["where is my parcel"], "cancel_order": ["stop it"]},
    )
    test = _write(tmp_path / "test.csv", {"refund": ["please refund me"], "track_order": ["track my order"]})

    result = evaluate_intent_dataset(train, test)

    assert result.label_names_taught and result.loo_accuracy > 0.5


def test_label_names_are_not_taught_without_a_gain(tmp_path: Path) -> None:
    from relevo.evals import evaluate_intent_dataset

    rows = {
        "refund": ["I want my money back", "please refund me", "refund my order"],
        "track_order": ["where is my parcel", "track my order", "has my package shipped"],
    }
    test = _write(tmp_path / "test.csv", {"refund": ["give me a refund"], "track_order": ["when does it arrive"]})
    coded = {f"L{i}": texts for i, texts in enumerate(rows.values())}

    named = evaluate_intent_dataset(_write(tmp_path / "train.csv", rows), test)
    codes = evaluate_intent_dataset(_write(tmp_path / "coded.csv", coded), _write(tmp_path / "t2.csv", {"L0": ["x"]}))

    # Both fits score 1.0 by leave-one-out: no gain, so the names are not taught; codes have no name at all.
    assert named.loo_accuracy == 1.0 and not named.label_names_taught
    assert codes.loo_accuracy == 1.0 and not codes.label_names_taught
