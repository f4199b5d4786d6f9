"""--grad-accum N: N batches of --batch-size per optimizer step train as one batch N times
larger would, and run.json records the effective batch."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine_helpers import run
from engine_tiny import sentiment
from zoo.cli.main import cli
from zoo.engine import TrainConfig
from zoo.errors import UsageError

LABELS = ("negative", "positive")


def test_accumulated_batches_match_the_large_batch(snapshot, tmp_path):
    large = run(snapshot, tmp_path / "large", sentiment, "classification", LABELS,
                batch_size=32, epochs=2)
    accumulated = run(snapshot, tmp_path / "accum", sentiment, "classification", LABELS,
                      batch_size=8, grad_accum=4, epochs=2)
    assert accumulated.result.steps == large.result.steps == 16  # 240 examples, 2 epochs
    assert accumulated.result.examples == large.result.examples
    a, b = accumulated.result.test, large.result.test
    assert a["accuracy"] == pytest.approx(b["accuracy"], abs=0.02)
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-3)
    # Each step's loss is the large batch's, not only the end result.
    for x, y in zip(accumulated.result.log, large.result.log):
        assert x["loss"] == pytest.approx(y["loss"], rel=1e-3)
    run_json = json.loads((tmp_path / "accum" / "run.json").read_text())
    assert run_json["effective_batch_size"] == 32
    assert (run_json["train"]["batch_size"], run_json["train"]["grad_accum"]) == (8, 4)


def test_grad_accum_must_be_positive():
    with pytest.raises(UsageError, match="--grad-accum must be at least 1, not 0"):
        TrainConfig(grad_accum=0)


def test_the_flag_is_generated_from_the_config():
    result = CliRunner().invoke(cli, ["adapt", "--help"])
    assert "--grad-accum" in result.output
