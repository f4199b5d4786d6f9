"""run.json's one reader and writer: RunRecord.to_json / from_json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zoo.engine import TrainConfig
from zoo.errors import UsageError
from zoo.rundir import RunRecord, read_run
from zoo.testing import run_record


def test_a_record_comes_back_from_its_json_unchanged(tmp_path: Path) -> None:
    record = run_record(domain_fields={"auto_class": "AutoModelForSequenceClassification"},
                        lineage={"parent": {"run": "runs/a", "entry": "tiny"}},
                        versions={"zoo": "0.1.0"}, wall_seconds=1.5, processes=2, bf16=True)
    (tmp_path / "run.json").write_text(json.dumps(record.to_json()))
    assert read_run(tmp_path) == record
    # The domain's fields are top-level keys of run.json, as DESIGN.md's run format states.
    assert record.to_json()["auto_class"] == "AutoModelForSequenceClassification"


def test_the_length_a_run_predicts_at_defaults_to_the_one_training_defaults_to() -> None:
    # Inference assumed 512 tokens where training used 128: a run predicted on longer inputs
    # than it was trained and scored on.
    data = run_record(train_config={}).to_json()
    assert RunRecord.from_json(data).max_length == TrainConfig().max_length == 128
    assert RunRecord.from_json(run_record(train_config={"max_length": 32}).to_json()).max_length == 32


@pytest.mark.parametrize("key, value, problem", [
    ("seed", "1", "'seed' is missing or not an int"),
    ("seed", True, "'seed' is missing or not an int"),
    ("strategy", {"config": {}}, "'strategy.name' is missing or not a str"),
    ("labels", ["a", 1], "'labels' must be a list of names"),
])
def test_a_mistyped_field_is_one_line_naming_it(key: str, value: object, problem: str) -> None:
    data = {**run_record().to_json(), key: value}
    with pytest.raises(UsageError, match=problem):
        RunRecord.from_json(data, "x/run.json")


def test_a_folder_without_run_json_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=f"--teacher {tmp_path} is not a zoo run directory"):
        read_run(tmp_path, "--teacher")
