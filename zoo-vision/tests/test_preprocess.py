"""Transforms: any image mode or a path in, the backbone's normalised tensor out."""

from __future__ import annotations

import torch
from PIL import Image

from zoo_vision.preprocess import make_transform
from zoo_vision.timm_models import input_config


def test_grey_images_and_paths_become_normalised_rgb_tensors(tmp_path):
    config = input_config("tf_efficientnet_lite0")  # mean = std = 0.5
    white = Image.new("L", (8, 8), 255)
    path = tmp_path / "white.png"
    white.save(path)
    for image in (white, path):
        tensor = make_transform(config, image_size=32)(image)
        assert tensor.shape == (3, 32, 32)
        torch.testing.assert_close(tensor, torch.ones(3, 32, 32))  # (1 - 0.5) / 0.5


def test_training_augments_and_evaluation_does_not():
    config = input_config("mobilenetv2_100")
    image = Image.effect_noise((40, 40), 60).convert("RGB")
    train, evaluate = make_transform(config, True, 32), make_transform(config, False, 32)
    torch.manual_seed(0)
    assert not torch.equal(train(image), train(image))
    assert torch.equal(evaluate(image), evaluate(image))
    assert evaluate(image).shape == (3, 32, 32)
