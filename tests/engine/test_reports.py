"""Per-class figures, the confusion matrix and the per-step curve: in metrics.json, the model
card, zoo eval, curves.png and confusion.png."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from engine_helpers import run
from engine_tiny import regression, sentiment
from zoo.cli.main import cli
from zoo.engine.classes import class_report

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = ("negative", "positive")


@pytest.fixture(scope="module")
def run_dir(snapshot, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "run"
    run(snapshot, out, sentiment, "classification", LABELS, epochs=2, task="classify")
    return out


def test_class_report_counts_a_known_matrix():
    # true 0 0 0 1 1 2; predicted 0 0 1 1 0 0: class 2 is never predicted.
    logits = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0], [1, 0, 0]]
    report = class_report(logits, [0, 0, 0, 1, 1, 2], ["a", "b", "c"])
    assert report["confusion"]["matrix"] == [[2, 1, 0], [1, 1, 0], [1, 0, 0]]
    a = report["per_class"]["a"]
    assert (a["precision"], a["recall"], a["support"]) == (0.5, pytest.approx(2 / 3, abs=1e-6), 3)
    assert a["f1"] == pytest.approx(2 * 2 / (4 + 3), abs=1e-6)
    assert report["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_metrics_json_holds_per_class_figures_and_the_confusion_matrix(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    matrix = metrics["confusion"]["matrix"]
    assert metrics["confusion"]["labels"] == list(LABELS)
    assert sum(map(sum, matrix)) == 60  # the test split
    accuracy = (matrix[0][0] + matrix[1][1]) / 60
    assert accuracy == pytest.approx(metrics["test"]["accuracy"])
    for c, name in enumerate(LABELS):
        figures = metrics["per_class"][name]
        assert figures["support"] == sum(matrix[c])
        assert figures["recall"] == pytest.approx(matrix[c][c] / sum(matrix[c]), abs=1e-6)
    f1 = sum(m["f1"] for m in metrics["per_class"].values()) / 2
    assert f1 == pytest.approx(metrics["test"]["f1"], abs=1e-5)


def test_every_optimizer_step_is_logged_and_plotted(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    steps = metrics["train_steps"]
    assert [s["step"] for s in steps] == list(range(1, metrics["steps"] + 1))
    assert all(s["loss"] > 0 and s["lr"] >= 0 and s["grad_norm"] > 0 for s in steps)
    # The per-epoch train loss is the mean of its steps' losses.
    first = [s["loss"] for s in steps if s["step"] <= metrics["history"][0]["step"]]
    assert metrics["history"][0]["train_loss"] == pytest.approx(sum(first) / len(first), rel=1e-4)
    assert (run_dir / "curves.png").read_bytes()[:8] == PNG
    assert (run_dir / "confusion.png").read_bytes()[:8] == PNG


def test_the_card_shows_each_class(run_dir):
    card = (run_dir / "README.md").read_text()
    assert "| class | precision | recall | f1 | support |" in card
    for name in LABELS:
        assert f"| {name} |" in card
    assert "![confusion](confusion.png)" in card


def test_zoo_eval_reports_what_the_run_scored(run_dir, tmp_path):
    data = tmp_path / "test.csv"
    with open(data, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows([e.input, LABELS[e.label]] for e in sentiment(60, 3))  # the test split
    result = CliRunner().invoke(cli, ["eval", str(run_dir), "--data", str(data), "--json",
                                      "--no-bf16"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    out = json.loads(result.stdout)
    assert out["confusion"] == metrics["confusion"]
    assert out["per_class"] == metrics["per_class"]
    result = CliRunner().invoke(cli, ["eval", str(run_dir), "--data", str(data), "--no-bf16"])
    assert "PRECISION" in result.output and "PREDICTED" in result.output


def test_a_regression_run_has_no_class_report(snapshot, tmp_path):
    run(snapshot, tmp_path / "reg", regression, "regression", (), epochs=1)
    metrics = json.loads((tmp_path / "reg" / "metrics.json").read_text())
    assert "per_class" not in metrics and "confusion" not in metrics
    assert not (tmp_path / "reg" / "confusion.png").exists()
    assert (tmp_path / "reg" / "curves.png").is_file()
