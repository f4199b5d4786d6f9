"""The whole path through the CLI: a catalog backbone from a local source, the user's CSV
through zoo.data, zoo adapt, then zoo eval and zoo predict on the run."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from engine_tiny import sentiment, sentiment_csv
from zoo.cli.main import cli


def test_adapt_eval_predict_through_the_cli(catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(300, 5))
    out = tmp_path / "run"
    runner = CliRunner()
    # The tiny backbone is random, not pretrained, so full's faster head does not suit it: with
    # the head at ten times 2e-3 this run ends at chance (0.5), and at ten times 2e-4 too.
    result = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                                 "--output", str(out), "--epochs", "3", "--batch-size", "16",
                                 "--lr", "2e-3", "--head-lr-scale", "1", "--no-bf16",
                                 "--weight-decay", "0.05", "--warmup", "0.1",
                                 "--no-progress", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["test"]["accuracy"] > 0.8
    run = json.loads((out / "run.json").read_text())
    assert run["entry"] == "tiny-bert" and run["data"]["sha256"]
    assert run["train"]["head_lr_scale"] == 1.0
    assert (run["train"]["weight_decay"], run["train"]["warmup"]) == (0.05, 0.1)
    assert set(run["files"]) >= {"config.json", "model.safetensors"}
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0\n") and "model-index:" in card
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The run's own data is scored on its test split, never on the rows it trained on.
    result = runner.invoke(cli, ["eval", str(out), "--data", str(data), "--json", "--no-bf16"])
    assert result.exit_code == 0, result.output
    own = json.loads(result.stdout)
    assert own["examples"] == run["data"]["rows"]["test"]
    assert own["source"] == f"the test split of {data} (the run's own data)"
    tested = json.loads((out / "metrics.json").read_text())["test"]["accuracy"]
    assert own["metrics"]["accuracy"] == pytest.approx(tested)

    # Data holding one of the run's labels is read with the run's label order, not re-inferred
    # (re-inferred, "positive" would become index 0 and every prediction would count as wrong).
    rows = [e for e in sentiment(300, 5) if e.label == 1]
    positives = sentiment_csv(tmp_path / "positives.csv", rows)
    result = runner.invoke(cli, ["eval", str(out), "--data", str(positives), "--json"])
    assert result.exit_code == 0, result.output
    other = json.loads(result.stdout)
    assert other["examples"] == len(rows) and other["source"] == f"every row of {positives}"
    assert other["metrics"]["accuracy"] > 0.8
    table = runner.invoke(cli, ["eval", str(out), "--data", str(positives)]).output
    assert table.startswith(f"{len(rows)} examples: every row of {positives}\n")

    result = runner.invoke(cli, ["predict", str(out), "great fun film", "--json"])
    assert json.loads(result.stdout)[0]["label"] == "positive"


@pytest.mark.parametrize("args, message", [
    (["--text-column", "review"], "review"),
    (["--warmup", "1.5"], "--warmup must be in [0, 1), not 1.5"),
    (["--confidence-column", "sure"], "no column 'sure'"),
])
def test_bad_input_is_one_line_and_exit_2(catalog, tmp_path, args, message):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(50))
    result = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                      str(data), *args, "--output", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_the_training_seed_leaves_the_split_of_your_data_alone(catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(100, 5))
    runner = CliRunner()
    result = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                                 "--seed", "1", "--max-steps", "1", "--no-bf16", "--no-progress",
                                 "--output", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["data"]

    def split(seed: str) -> dict:
        shown = runner.invoke(cli, ["data", "classify", "--data", str(data), "--split-seed", seed,
                                    "--json"])
        assert shown.exit_code == 0, shown.output
        return json.loads(shown.stdout)

    assert recorded["sha256"] == split("0")["sha256"] != split("1")["sha256"]
    assert "split by seed 0" in recorded["description"] and recorded["split_seed"] == 0


def test_eval_on_the_runs_own_data_splits_it_with_the_runs_split_seed(catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(100, 5))
    runner = CliRunner()
    result = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                                 "--split-seed", "3", "--max-steps", "1", "--no-bf16",
                                 "--no-progress", "--output", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["data"]
    assert recorded["split_seed"] == 3
    evaluated = runner.invoke(cli, ["eval", str(tmp_path / "run"), "--data", str(data),
                                    "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    shown = json.loads(evaluated.stdout)
    assert shown["examples"] == recorded["rows"]["test"] < 100
    assert "(the run's own data)" in shown["source"]


def test_a_confidence_column_of_your_data_is_trained_towards_and_recorded(catalog, tmp_path):
    data = tmp_path / "reviews.csv"
    with open(data, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "sure"])
        for i, e in enumerate(sentiment(100, 5)):
            writer.writerow([e.input, ["negative", "positive"][e.label], 0.6 + (i % 4) / 10])
    runner = CliRunner()
    result = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                                 "--confidence-column", "sure", "--max-steps", "2", "--no-bf16",
                                 "--no-progress", "--output", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["data"]
    assert "label confidence from column 'sure'" in recorded["description"]
    shown = runner.invoke(cli, ["data", "classify", "--data", str(data), "--confidence-column",
                                "sure", "--json"])
    assert json.loads(shown.stdout)["sha256"] == recorded["sha256"]
