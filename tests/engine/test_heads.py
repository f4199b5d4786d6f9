"""Every head trains on the tiny BERT, learns its toy task, and reloads with plain transformers
giving the predictions zoo predict gives."""

from __future__ import annotations

import json

import pytest
import torch

from engine_helpers import run
from engine_tiny import multilabel, regression, sentiment, tagging
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
    loaded = load_run(tmp_path / "run")
    ours = loaded.logits([example])[0]
    expected = logits[0][1:-1] if words else logits[0]  # one sub-token per word in the tiny vocab
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=1e-4)
    assert model.config.id2label[0] == labels[0]


def test_regression_head_fits(snapshot, tmp_path):
    outcome = run(snapshot, tmp_path / "run", regression, "regression", ("score",), epochs=6)
    assert outcome.result.test["mse"] < 0.1
    assert outcome.result.test["mse"] < outcome.result.history[0]["validation"]["mse"] + 1e-9
