"""``--ema``: the run scores and keeps a moving average of its weights (resuming one is
tested with the other interrupted runs, in test_resume.py)."""

from __future__ import annotations

import pytest
import torch

from engine_helpers import run
from engine_tiny import sentiment
from zoo.engine.ema import WeightAverage
from zoo.errors import UsageError

LABELS = ("negative", "positive")


def test_the_average_follows_the_weights_with_a_warming_decay_and_swaps_in_and_out():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    start = model[0].weight.detach().clone()
    average = WeightAverage(model, decay=0.9)
    with torch.no_grad():
        model[0].weight.add_(1.0)
    average.update(model)  # decay min(0.9, 2/11): the first step moves the average far
    expected = start + (1.0 - 2 / 11)
    torch.testing.assert_close(average.average["0.weight"], expected)
    live = model[0].weight.detach().clone()
    with average.applied(model):
        torch.testing.assert_close(model[0].weight.detach(), expected)
    assert torch.equal(model[0].weight.detach(), live)
    assert "1.running_mean" in average.average  # buffers are averaged too


def test_an_ema_run_trains_the_same_and_scores_the_average(snapshot, tmp_path):
    plain = run(snapshot, tmp_path / "plain", sentiment, "classification", LABELS, patience=0)
    averaged = run(snapshot, tmp_path / "ema", sentiment, "classification", LABELS,
                   patience=0, ema=0.9)
    # Same seed, same steps: only what is scored differs.
    assert averaged.result.steps == plain.result.steps
    assert averaged.result.history[0]["train_loss"] == pytest.approx(
        plain.result.history[0]["train_loss"])
    assert averaged.result.history[0]["validation"]["loss"] != pytest.approx(
        plain.result.history[0]["validation"]["loss"])


def test_a_decay_outside_0_to_1_is_refused():
    from zoo.engine import TrainConfig

    with pytest.raises(UsageError, match=r"--ema must be in \[0, 1\), not 1.0"):
        TrainConfig(ema=1.0)
