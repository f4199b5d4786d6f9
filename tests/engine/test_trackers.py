"""--report-to: real TensorBoard event files and a real local MLflow store under RUN/logs,
read back; a tracker that is unknown or not installed is one line, exit 2, nothing written."""

from __future__ import annotations

import importlib.util
import json

import pytest
from click.testing import CliRunner

from engine_helpers import run
from engine_tiny import sentiment
from zoo.cli.main import cli

LABELS = ("negative", "positive")


@pytest.fixture(scope="module")
def tracked(snapshot, tmp_path_factory):
    out = tmp_path_factory.mktemp("trackers") / "run"
    run(snapshot, out, sentiment, "classification", LABELS, epochs=2,
        report_to="tensorboard,mlflow")
    return out, json.loads((out / "metrics.json").read_text())


def test_tensorboard_has_every_step_epoch_and_the_test_metrics(tracked):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, metrics = tracked
    events = EventAccumulator(str(out / "logs" / "zoo")).Reload()
    loss = events.Scalars("train/loss")
    assert [e.step for e in loss] == [s["step"] for s in metrics["train_steps"]]
    assert [e.value for e in loss] == pytest.approx([s["loss"] for s in metrics["train_steps"]],
                                                    rel=1e-4)
    for tag in ("train/lr", "train/grad_norm", "train/examples_per_second"):
        assert len(events.Scalars(tag)) == metrics["steps"]
    validation = events.Scalars("validation/accuracy")
    assert [e.value for e in validation] == pytest.approx(
        [h["validation"]["accuracy"] for h in metrics["history"]])
    (test,) = events.Scalars("test/accuracy")
    assert test.value == pytest.approx(metrics["test"]["accuracy"])
    assert not (out / "logs" / "zoo").is_relative_to(out.parent / "runs")


def test_mlflow_has_the_metrics_and_every_hyperparameter(tracked, monkeypatch):
    from mlflow.tracking import MlflowClient

    out, metrics = tracked
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=(out / "logs" / "mlflow").as_uri())
    (experiment,) = [e for e in client.search_experiments() if e.name == "zoo"]
    (found,) = client.search_runs([experiment.experiment_id])
    params = found.data.params
    assert params["backbone"] == "tiny-bert" and params["strategy"] == "full"
    assert params["lr"] == "0.002" and params["effective_batch_size"] == "16"
    assert params["device"] == "cpu" and params["grad-accum"] == "1"
    history = client.get_metric_history(found.info.run_id, "train/loss")
    assert sorted(m.step for m in history) == list(range(1, metrics["steps"] + 1))
    assert found.data.metrics["test/accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert found.data.metrics["validation/loss"] == pytest.approx(
        metrics["history"][-1]["validation"]["loss"])
    assert 0 < metrics["tracker_seconds"] < metrics["train_seconds"]


def _adapt(tmp_path, report_to: str):
    return CliRunner().invoke(cli, ["adapt", "minilm-l6", "--task", "sentiment", "--report-to",
                                    report_to, "--output", str(tmp_path / "out" / "run")])


def test_an_unknown_tracker_is_one_line_exit_2_and_writes_nothing(tmp_path):
    result = _adapt(tmp_path, "tensorboard,tensorbored")
    assert result.exit_code == 2, result.output
    assert "unknown tracker 'tensorbored'" in result.output and "mlflow" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_tracker_whose_package_is_missing_says_what_to_install(tmp_path):
    if importlib.util.find_spec("comet_ml") is not None:
        pytest.skip("comet_ml is installed here")
    result = _adapt(tmp_path, "comet_ml")
    assert result.exit_code == 2, result.output
    assert "--report-to comet_ml: its package is not installed; pip install comet_ml" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
