"""The budget of a run without --epochs: the strategy's epochs, stretched on small data to a
floor of optimizer steps (zoo.engine.budget), printed and recorded."""

from __future__ import annotations

import json

from click.testing import CliRunner

from engine_tiny import sentiment, sentiment_csv
from zoo.cli.main import cli
from zoo.engine.budget import step_budget
from zoo.plugins.strategies.full import FullStrategy


def test_a_few_rows_stretch_the_epochs_to_the_floor_and_patience_with_them():
    budget = step_budget(64, 32, epochs=3, min_steps=300, patience=2)
    assert (budget.epochs, budget.steps) == (150, 300)
    assert budget.patience == 30  # a fifth of the epochs, not 2 epochs of 2 steps each
    assert "150 epochs reach the floor of 300 steps" in budget.reason
    assert step_budget(64, 32, epochs=3, min_steps=300, patience=0).patience == 0


def test_the_builtin_dataset_size_keeps_the_strategys_epochs():
    # 8,454 rows, the sentiment dataset's training split, at full's defaults.
    full = FullStrategy()
    budget = step_budget(8454, 32, full.default_epochs(full.make_config()),
                         full.default_min_steps(full.make_config()), patience=2)
    assert (budget.epochs, budget.patience, budget.steps) == (3, 2, 795)


def test_a_strategy_that_trains_in_its_own_stage_gets_no_engine_epochs():
    from zoo.plugins.strategies.fewshot import FewShotStrategy

    fewshot = FewShotStrategy()
    budget = step_budget(64, 32, fewshot.default_epochs(fewshot.make_config()),
                         fewshot.default_min_steps(fewshot.make_config()), patience=2)
    assert (budget.epochs, budget.steps) == (0, 0) and "stage of its own" in budget.reason


def test_adapt_prints_and_records_the_budget_and_the_strategy_auto_chose(catalog, tmp_path):
    # 80 rows split 80/10/10: 64 training rows, 2 steps per epoch at batch 32.
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(80, 1))
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                      str(data), "--output", str(out), "--max-steps", "2",
                                      "--no-bf16", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "budget (full): 64 rows make 2 steps per epoch" in result.stderr
    # No --strategy: auto chose full, and said why.
    assert "strategy full (--strategy auto: 64 training rows on tiny-bert" in result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["strategy"]["name"] == "full"
    assert run["strategy"]["chosen"].startswith("--strategy auto: 64 training rows")
    assert run["budget"]["epochs"] == run["train"]["epochs"] == 150
    assert run["budget"]["patience"] == run["train"]["patience"] == 30
    assert run["budget"]["min_steps"] == 300


def test_epochs_given_are_kept_and_recorded_as_given():
    from zoo.adapt import _budget
    from zoo.engine import TrainConfig

    full = FullStrategy()
    config, record = _budget(full, full.make_config(), TrainConfig(epochs=2), rows=64)
    assert (config.epochs, config.patience) == (2, 2)
    assert record["reason"] == "--epochs 2 as given"


def test_auto_takes_no_strategy_options(catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(80, 1))
    result = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                      str(data), "--lora-r", "4", "--output", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--lora-r do(es) not apply to --strategy auto" in result.output
