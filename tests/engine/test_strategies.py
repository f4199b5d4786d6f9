"""Each strategy trains what it should, and its run directory loads with plain transformers or
plain peft giving the predictions ``zoo predict`` gives."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from engine_helpers import run
from engine_tiny import make_deberta_snapshot, sentiment
from zoo import get_zoo
from zoo.inference import load_run
from zoo.plugins.strategies.lora_targets import DEFAULT_TARGETS

LABELS = ("negative", "positive")


def _plain_logits(model, run_dir, texts):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(run_dir))
    with torch.no_grad():
        return model(**tok(texts, padding=True, return_tensors="pt")).logits


def _same_as_zoo(model, run_dir, texts):
    ours = torch.stack(load_run(run_dir, get_zoo()).logits(texts))
    torch.testing.assert_close(ours, _plain_logits(model.eval(), run_dir, texts), atol=1e-5, rtol=1e-4)


def test_freeze_whole_backbone_caches_features_and_keeps_backbone(snapshot, tmp_path):
    from transformers import BertModel

    calls = []

    def count(module, args, output):
        if isinstance(module, BertModel):
            calls.append(1)

    hook = torch.nn.modules.module.register_module_forward_hook(count)
    try:
        outcome = run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "freeze",
                      epochs=4, lr=1e-2, patience=0)
    finally:
        hook.remove()
    result = outcome.result
    # The backbone ran once per feature batch (240 + 60 + 60 examples, 128 a batch), never
    # during the 60 training steps or the evaluations.
    assert result.steps == 60 and len(calls) == 4
    trained = load_file(str(tmp_path / "run" / "model.safetensors"))
    base = load_file(str(snapshot / "model.safetensors"))
    layer = "encoder.layer.1.attention.self.query.weight"
    assert torch.equal(trained[f"bert.{layer}"], base[layer])
    # The pooler belongs to the head's path: it trains on the cached first token.
    assert not torch.equal(trained["bert.pooler.dense.weight"], base["pooler.dense.weight"])
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


@pytest.mark.parametrize("head_name", ["classification", "token-classification"])
def test_head_on_cached_features_equals_the_whole_model(snapshot, head_name):
    """The cache path must compute exactly what the model computes end to end."""
    from zoo import get_zoo

    zoo = get_zoo()
    domain, head = zoo.domains.get("text"), zoo.heads.get(head_name)
    torch.manual_seed(0)
    model = domain.build_model(snapshot, head, ["a", "b", "c"]).eval()
    tok = domain.load_preprocessor(snapshot)
    texts = [["good", "movie"], ["the", "plot", "was", "very", "dull"]]
    inputs = texts if head.output_kind == "token" else [" ".join(t) for t in texts]
    batch = domain.collate(tok, domain.encode(tok, inputs, None, head, 32))
    with torch.no_grad():
        whole = model(**batch).logits
        cached = domain.head_logits(model, domain.collate_features(domain.backbone_features(model, batch)))
    if whole.ndim == 3:  # padding positions differ (the cache drops them): compare real tokens
        mask = batch["attention_mask"].bool()
        whole, cached = whole[mask], cached[mask]
    torch.testing.assert_close(cached, whole, atol=1e-5, rtol=1e-4)


def test_freeze_first_layers_trains_the_rest(snapshot, tmp_path):
    run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "freeze",
        {"layers": 1}, epochs=1)
    trained = load_file(str(tmp_path / "run" / "model.safetensors"))
    base = load_file(str(snapshot / "model.safetensors"))
    for frozen in ("embeddings.word_embeddings.weight", "encoder.layer.0.output.dense.weight"):
        assert torch.equal(trained[f"bert.{frozen}"], base[frozen])
    assert not torch.equal(trained["bert.encoder.layer.1.output.dense.weight"],
                           base["encoder.layer.1.output.dense.weight"])


def test_freeze_layers_beyond_the_model_is_a_usage_error(snapshot, tmp_path):
    from zoo.errors import UsageError

    with pytest.raises(UsageError, match="only 2 layers"):
        run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "freeze", {"layers": 5})
    assert not (tmp_path / "run").exists()


def test_lora_writes_an_adapter_plain_peft_loads(snapshot, tmp_path):
    import peft

    outcome = run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "lora",
                  {"r": 4}, lr=5e-3)
    adapter = load_file(str(tmp_path / "run" / "adapter_model.safetensors"))
    # lora_B starts at zero: non-zero means the adapters trained; the head is saved whole.
    assert all(t.abs().sum() > 0 for k, t in adapter.items() if "lora_B" in k)
    assert any("classifier" in k for k in adapter)
    assert any("pooler" in k for k in adapter)  # the pooler the head reads trains whole too
    assert outcome.result.steps == 45
    config = json.loads((tmp_path / "run" / "adapter_config.json").read_text())
    assert sorted(config["target_modules"]) == sorted(DEFAULT_TARGETS["bert"])
    assert {"classifier", "pooler"} <= set(config["modules_to_save"])
    model = peft.AutoPeftModelForSequenceClassification.from_pretrained(str(tmp_path / "run"))
    _same_as_zoo(model, tmp_path / "run", ["good movie", "awful plot and dull acting"])


def test_lora_trains_and_saves_every_module_between_backbone_and_logits(tmp_path):
    """DeBERTa's classification model has a context pooler of its own, which peft's task type
    does not keep: it must train and be saved with the adapter, or plain peft rebuilds it at
    random and predicts other than zoo did."""
    import peft

    snapshot = make_deberta_snapshot(tmp_path / "deberta")
    run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "lora", {"r": 4},
        lr=5e-3, epochs=1)
    adapter = load_file(str(tmp_path / "run" / "adapter_model.safetensors"))
    assert any(".pooler." in k for k in adapter)
    config = json.loads((tmp_path / "run" / "adapter_config.json").read_text())
    assert sorted(config["target_modules"]) == sorted(DEFAULT_TARGETS["deberta-v2"])
    model = peft.AutoPeftModelForSequenceClassification.from_pretrained(str(tmp_path / "run"))
    _same_as_zoo(model, tmp_path / "run", ["good movie", "awful plot and dull acting"])


def test_lora_merge_writes_a_plain_model(snapshot, tmp_path):
    from transformers import AutoModelForSequenceClassification

    run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, "lora",
        {"merge": True}, epochs=1)
    assert not (tmp_path / "run" / "adapter_config.json").exists()
    model = AutoModelForSequenceClassification.from_pretrained(str(tmp_path / "run"))
    assert not any("lora" in name for name, _ in model.named_parameters())
    _same_as_zoo(model, tmp_path / "run", ["fine film", "poor story"])


def test_lora_options_are_validated():
    from zoo.errors import UsageError
    from zoo.plugins.strategies.lora import LoraConfig

    with pytest.raises(UsageError, match="--lora-r"):
        LoraConfig(r=0)
    with pytest.raises(UsageError, match="--lora-dropout"):
        LoraConfig(dropout=1.5)
