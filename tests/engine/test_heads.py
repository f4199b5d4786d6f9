"""Every head trains on the tiny BERT, learns its toy task, and reloads with plain transformers
giving the predictions zoo predict gives."""

from __future__ import annotations

import json
import math

import pytest
import torch

import zoo
from engine_helpers import run
from engine_tiny import multilabel, regression, sentiment, tagging
from zoo import get_zoo
from zoo.data import Example
from zoo.errors import UsageError
from zoo.inference import load_run

CASES = {
    "classification": (sentiment, ("negative", "positive"), "accuracy", 0.8),
    "multilabel": (multilabel, ("has_positive", "has_negative"), "f1", 0.7),
    "token-classification": (tagging, ("other", "positive", "negative"), "accuracy", 0.8),
}


@pytest.mark.parametrize("head", list(CASES))
def test_head_learns_and_reloads(snapshot, tmp_path, head):
    make, labels, metric, floor = CASES[head]
    outcome = run(snapshot, tmp_path / "run", make, head, labels)
    assert outcome.result.test[metric] >= floor
    import transformers

    run_json = json.loads((tmp_path / "run" / "run.json").read_text())
    model = getattr(transformers, run_json["auto_class"]).from_pretrained(str(tmp_path / "run")).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "run"))
    example = make(1, 9)[0].input
    words = isinstance(example, list)
    with torch.no_grad():
        logits = model(**tokenizer([example], is_split_into_words=words, return_tensors="pt")).logits
    loaded = load_run(tmp_path / "run", get_zoo())
    ours = loaded.logits([example])[0]
    expected = logits[0][1:-1] if words else logits[0]  # one sub-token per word in the tiny vocab
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=1e-4)
    assert model.config.id2label[0] == labels[0]


def test_regression_head_fits(snapshot, tmp_path):
    outcome = run(snapshot, tmp_path / "run", regression, "regression", ("score",), epochs=6)
    assert outcome.result.test["mse"] < 0.1
    assert outcome.result.test["mse"] < outcome.result.history[0]["validation"]["mse"] + 1e-9


def test_soft_targets_put_the_confidence_on_the_label_and_share_the_rest():
    head = zoo.get_zoo().heads.get("classification")
    targets = head.soft_label_tensor([0, 2], [0.9, 0.6])
    probabilities = targets.probabilities(3)
    torch.testing.assert_close(probabilities, torch.tensor([[0.9, 0.05, 0.05], [0.2, 0.2, 0.6]]))
    logits = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))
    expected = -(probabilities * logits.log_softmax(-1)).sum(-1).mean()
    torch.testing.assert_close(head.loss(logits, targets), expected)
    certain = head.soft_label_tensor([0, 2], [1.0, 1.0])
    torch.testing.assert_close(head.loss(logits, certain),
                               head.loss(logits, head.label_tensor([0, 2])))


@pytest.mark.parametrize("name", ["multilabel", "regression", "token-classification"])
def test_heads_without_single_labels_refuse_confidence(name):
    with pytest.raises(UsageError, match=f"head {name!r} cannot train on label confidence"):
        zoo.get_zoo().heads.get(name).soft_label_tensor([0], [0.9])


def _sure(confidence):
    return lambda n, seed: [Example(e.input, e.label, confidence) for e in sentiment(n, seed)]


@pytest.mark.parametrize("strategy, options, config", [
    ("full", {}, dict(head_lr_scale=1.0, epochs=4)),  # the tiny backbone is random, not pretrained
    ("freeze", {"layers": -1}, dict(epochs=2, lr=1e-2)),  # the head on cached features
])
def test_training_aims_at_the_label_confidence(snapshot, tmp_path, strategy, options, config):
    """Confidence 1 trains exactly as the labels do, and any other confidence reaches the loss,
    on the whole model and on cached features alike."""
    labels = ("negative", "positive")

    def train(name, make):
        outcome = run(snapshot, tmp_path / name, make, "classification", labels, strategy,
                      options, **config)
        return outcome.result, [h["train_loss"] for h in outcome.result.history]

    hard, hard_losses = train("hard", sentiment)
    certain, certain_losses = train("certain", _sure(1.0))
    assert certain_losses == pytest.approx(hard_losses, rel=1e-5)
    assert certain.test == pytest.approx(hard.test, rel=1e-5)
    unsure, unsure_losses = train("unsure", _sure(0.8))
    assert unsure_losses != pytest.approx(hard_losses, rel=1e-3)
    if strategy == "full":
        # The loss cannot fall below the target's entropy; the labels' loss can and does.
        # Evaluation still scores against the labels themselves.
        floor = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2))  # 0.500
        assert min(unsure_losses) >= floor - 1e-4
        assert hard_losses[-1] < floor - 0.1
        assert unsure.test["accuracy"] >= 0.8


#: A batch of each builtin head's labels (token rows padded with IGNORE, one row all IGNORE).
LOSS_LABELS = {
    "classification": [0, 2, 1, 2, 0],
    "multilabel": [(1, 0, 1), (0, 0, 0), (1, 1, 1), (0, 1, 0), (1, 0, 0)],
    "regression": [0.5, -1.0, 2.0, 0.0, 3.5],
    "token-classification": [[0, 1, 2], [2], [], [1, 1], [0, 2, 2]],
}


@pytest.mark.parametrize("name", list(LOSS_LABELS))
def test_each_builtin_heads_numpy_loss_is_its_torch_loss(name):
    from zoo.capabilities import ArrayLoss

    head = get_zoo().heads.get(name)
    assert isinstance(head, ArrayLoss)
    labels = head.label_array(LOSS_LABELS[name])
    width = {"regression": 1, "multilabel": 3}.get(name, 3)
    shape = (*labels.shape, width) if name == "token-classification" else (len(labels), width)
    logits = torch.randn(shape, generator=torch.Generator().manual_seed(0)) * 4
    expected = float(head.loss(logits, head.label_tensor(LOSS_LABELS[name])))
    assert head.array_loss(logits.numpy(), labels) == pytest.approx(expected, rel=1e-5)
