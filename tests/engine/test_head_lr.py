"""``--head-lr-scale``: the head (classifier and BERT's pooler) steps faster than the backbone."""

from __future__ import annotations

import json

import pytest
from safetensors.torch import load_file

from engine_helpers import run
from engine_tiny import sentiment
from zoo.engine import TrainConfig
from zoo.errors import UsageError

LABELS = ("negative", "positive")


def _first_step(snapshot, out, scale: float | None) -> tuple[float, float, float]:
    """The largest change of a backbone weight and of a pooler weight after one AdamW step,
    and the scale run.json records.

    Adam's first step moves every weight with a gradient by about the learning rate, whatever
    the gradient's size, so the changes are the learning rates each group got."""
    run(snapshot, out, sentiment, "classification", LABELS, "full", lr=1e-4,
        head_lr_scale=scale, max_steps=1, warmup=0.0, weight_decay=0.0, max_grad_norm=0.0)
    trained = load_file(str(out / "model.safetensors"))
    base = load_file(str(snapshot / "model.safetensors"))
    body = float((trained["bert.encoder.layer.1.attention.self.query.weight"]
                  - base["encoder.layer.1.attention.self.query.weight"]).abs().max())
    pooler = float((trained["bert.pooler.dense.weight"] - base["pooler.dense.weight"]).abs().max())
    recorded = json.loads((out / "run.json").read_text())["train"]["head_lr_scale"]
    return body, pooler, recorded


def test_head_and_pooler_step_at_the_scaled_rate(snapshot, tmp_path):
    body, pooler, recorded = _first_step(snapshot, tmp_path / "run", 10.0)
    assert recorded == 10.0
    assert body == pytest.approx(1e-4, rel=0.05)
    assert pooler == pytest.approx(1e-3, rel=0.05)


def test_full_fills_in_the_text_domains_scale(snapshot, tmp_path):
    from zoo.plugins.strategies.full import HEAD_LR_SCALES

    body, pooler, recorded = _first_step(snapshot, tmp_path / "run", None)
    assert recorded == HEAD_LR_SCALES["text"] > 1
    assert pooler / body == pytest.approx(recorded, rel=0.05)


def test_a_negative_scale_is_a_usage_error():
    with pytest.raises(UsageError, match="--head-lr-scale must not be negative"):
        TrainConfig(head_lr_scale=-1.0)
