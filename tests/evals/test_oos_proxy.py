"""``relevo eval oos``: out-of-scope detection on a proxy where each dataset's texts are out of scope for the
other's catalog (on small CSVs, and on a Banking77/Bitext slice when ../shared/evaldata is present)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from relevo._errors import BadInputError
from relevo.cli import main
from relevo.evals._oos import parse_oos_dataset

EVALDATA = Path(__file__).resolve().parents[3] / "shared" / "evaldata"
BANKING = EVALDATA / "banking77"
BITEXT = EVALDATA / "bitext_customer_support"

KITCHEN = {
    "train": {
        "recipe": ["how do I bake bread", "give me a cake recipe", "what can I cook with rice"],
        "oven": ["my oven does not heat", "the oven light is broken", "oven temperature is wrong"],
    },
    "test": {"recipe": ["a recipe for soup please"], "oven": ["the oven won't turn on"]},
}
TRAVEL = {
    "train": {
        "flight": ["book me a flight to Rome", "is my flight delayed", "change my flight date"],
        "hotel": ["find a hotel in Paris", "cancel my hotel booking", "does the hotel have parking"],
    },
    "test": {"flight": ["what time does my flight leave"], "hotel": ["I need a hotel room tonight"]},
}


def _dataset(folder: Path, data: dict[str, dict[str, list[str]]], label: str = "label") -> Path:
    folder.mkdir()
    for split, rows in data.items():
        with (folder / f"{split}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "category", label] if label != "category" else ["text", "category"])
            for name, texts in rows.items():
                for text in texts:
                    writer.writerow([text, "coarse", name] if label != "category" else [text, name])
    return folder


def _invariants(proxy: dict[str, Any]) -> None:
    calibrated, floor = proxy["calibrated"], proxy["similarity_floor_only"]
    for rule in (calibrated, floor):
        assert 0.0 <= rule["oos_recall"] <= 1.0 and 0.0 <= rule["in_scope_flagged"] <= 1.0
        assert rule["accuracy"] <= proxy["accuracy"]
        assert rule["lost_points"] == pytest.approx(100 * (proxy["accuracy"] - rule["accuracy"]), abs=0.01)
    # Triage's rule flags what the similarity floor flags, and what the confidence floor adds.
    assert calibrated["oos_recall"] >= floor["oos_recall"]
    assert calibrated["in_scope_flagged"] >= floor["in_scope_flagged"]


def test_each_dataset_is_out_of_scope_for_the_others_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kitchen = _dataset(tmp_path / "kitchen", KITCHEN)
    travel = _dataset(tmp_path / "travel", TRAVEL)

    # Both files also hold a coarse "category" column: ":label" picks the fine labels.
    assert main(["eval", "oos", f"{kitchen}:label", f"{travel}:label", "--shots", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    assert [(p["catalog"], p["outside"]) for p in out["proxies"]] == [("kitchen", ["travel"]), ("travel", ["kitchen"])]
    for proxy in out["proxies"]:
        assert (proxy["n_train"], proxy["n_in_scope"], proxy["n_out_of_scope"]) == (6, 2, 2)
        _invariants(proxy)


def test_the_label_column_suffix_and_missing_files(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "kitchen", KITCHEN)

    assert parse_oos_dataset(f"{folder}:label").label_column == "label"
    assert parse_oos_dataset(str(folder)).label_column is None
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInputError, match=r"empty/test\.csv is missing|empty/train\.csv is missing"):
        parse_oos_dataset(str(tmp_path / "empty"))


def test_one_dataset_is_no_proxy(tmp_path: Path) -> None:
    from relevo.evals._oos import evaluate_out_of_scope

    with pytest.raises(BadInputError, match="at least two datasets"):
        evaluate_out_of_scope([parse_oos_dataset(str(_dataset(tmp_path / "kitchen", KITCHEN)))])


def _slice(src: Path, dst: Path, label: str, labels: tuple[str, ...], per_label: dict[str, int]) -> Path:
    dst.mkdir()
    for split, count in per_label.items():
        with (src / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = list(reader.fieldnames or [])
            rows = [r for r in reader if r[label] in labels]
        kept = [r for name in labels for r in [r for r in rows if r[label] == name][:count]]
        with (dst / f"{split}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(kept)
    return dst


@pytest.mark.skipif(
    not (BANKING / "test.csv").is_file() or not (BITEXT / "test.csv").is_file(),
    reason=f"optional evaluation data {EVALDATA} (banking77/, bitext_customer_support/) is absent (README: Evaluate)",
)
def test_banking77_and_bitext_slices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    banking = _slice(
        BANKING,
        tmp_path / "banking77",
        "category",
        ("card_arrival", "exchange_rate", "lost_or_stolen_card"),
        {"train": 5, "test": 4},
    )
    bitext = _slice(
        BITEXT,
        tmp_path / "bitext",
        "intent",
        ("track_order", "recover_password", "delivery_options"),
        {"train": 5, "test": 4},
    )

    assert main(["eval", "oos", str(banking), f"{bitext}:intent", "--shots", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    assert [p["catalog"] for p in out["proxies"]] == ["banking77", "bitext"]
    for proxy in out["proxies"]:
        assert (proxy["n_train"], proxy["n_in_scope"], proxy["n_out_of_scope"]) == (9, 12, 12)
        _invariants(proxy)
