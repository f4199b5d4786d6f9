"""A snapshot that says how it pools (sentence-transformers' modules.json and
1_Pooling/config.json) is pooled that way by sequence heads, in full fine-tuning and in
freeze's cached features, and its run loads in plain sentence-transformers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine_tiny import (RELOAD_TEXTS, assert_reloads_in_sentence_transformers, sentiment,
                         sentiment_csv)
from zoo.cli.main import cli
from zoo.errors import UsageError
from zoo.plugins.heads.classification import ClassificationHead
from zoo.plugins.text.domain import TextDomain
from zoo.plugins.text.pooled import is_pooled, mean_pool
from zoo.plugins.text.pooling import read_pooling

def test_the_pooling_is_read_from_the_snapshot(snapshot, pooled_snapshot, tmp_path):
    assert read_pooling(pooled_snapshot) == {"mode": "mean", "dimension": 32}
    assert read_pooling(snapshot) is None
    (tmp_path / "modules.json").write_text(json.dumps(
        [{"path": "../elsewhere", "type": "sentence_transformers.models.Pooling"}]))
    with pytest.raises(UsageError, match="outside the snapshot"):
        read_pooling(tmp_path)
    (tmp_path / "modules.json").write_text("{not json")
    with pytest.raises(UsageError, match="not readable JSON"):
        read_pooling(tmp_path)


def test_full_and_cached_features_read_the_mean_of_the_tokens(pooled_snapshot):
    import torch
    from transformers import AutoModel, AutoTokenizer

    domain, head = TextDomain(), ClassificationHead()
    model = domain.build_model(pooled_snapshot, head, ["negative", "positive"]).eval()
    assert is_pooled(model) and domain.head_modules(model) == {}
    tokenizer = domain.load_preprocessor(pooled_snapshot)
    texts = ["good movie", "the plot was very dull and the acting poor"]
    batch = domain.collate(tokenizer, domain.encode(tokenizer, texts, None, head, 32))
    with torch.no_grad():
        logits = domain.logits(model, batch)
        plain = AutoModel.from_pretrained(str(pooled_snapshot)).eval()
        enc = AutoTokenizer.from_pretrained(str(pooled_snapshot))(texts, padding=True,
                                                                    return_tensors="pt")
        mean = mean_pool(plain(**enc).last_hidden_state, enc["attention_mask"])
        torch.testing.assert_close(logits, model.classifier(mean))
        cached = domain.backbone_features(model, batch)
        from_cache = domain.head_logits(model, domain.collate_features(cached))
    torch.testing.assert_close(from_cache, logits)


def test_a_pooled_run_reloads_in_sentence_transformers_as_zoo_predicts(pooled_catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(120, 3))
    out = tmp_path / "run"
    runner = CliRunner()
    done = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                               "--output", str(out), "--epochs", "2", "--lr", "2e-3",
                               "--head-lr-scale", "1", "--no-bf16", "--no-progress"])
    assert done.exit_code == 0, done.output
    run = json.loads((out / "run.json").read_text())
    assert run["format"] == "sentence-transformers"
    card = (out / "README.md").read_text()
    assert "library_name: sentence-transformers" in card and "SentenceTransformer(RUN_DIR" in card
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pkl"))
    predicted = runner.invoke(cli, ["predict", str(out), *RELOAD_TEXTS, "--no-bf16", "--json"])
    assert predicted.exit_code == 0, predicted.output
    assert_reloads_in_sentence_transformers(out, json.loads(predicted.stdout))
    evaluated = runner.invoke(cli, ["eval", str(out), "--data", str(data), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
