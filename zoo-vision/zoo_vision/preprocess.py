"""Images to tensors the way each backbone was trained: timm's transforms from its input config.

Evaluation resizes and centre-crops; training adds timm's standard augmentation (random
resized crop, flip, colour jitter). Both take a PIL image of any mode and size, or the path of
an image file (what the image-folder reader yields).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from zoo.errors import UsageError

from .timm_models import InputConfig, import_timm


def make_transform(config: InputConfig, training: bool = False,
                   image_size: int | None = None, hflip: float = 0.5,
                   min_scale: float = 0.08) -> Callable[[Any], Any]:
    """A callable image (PIL or path) -> normalised float tensor (C, H, W).

    ``image_size`` overrides the square input side: small images (8x8 digits) need not be
    blown up to 224 pixels for a convolutional backbone, which accepts any size. ``hflip``
    (the chance of a horizontal flip) and ``min_scale`` (the smallest share of the image a
    random crop keeps) shape the training augmentation: photographs want timm's defaults,
    handwritten digits neither mirrored nor cut to a corner.
    """
    timm = import_timm()
    size = config.input_size if image_size is None else (3, image_size, image_size)
    extra = {"hflip": hflip, "scale": (min_scale, 1.0)} if training else {}
    transform = timm.data.create_transform(
        input_size=size, is_training=training, mean=config.mean, std=config.std,
        interpolation=config.interpolation, crop_pct=config.crop_pct, **extra)
    return _to_rgb_then(transform)


def open_image(image: Any) -> Any:
    """A loaded PIL image from a row's ``image``: a path is opened (and closed), an image kept.
    A path that is not a readable image is the user's mistake: one line, exit 2."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(image, (str, Path)):
        try:
            with Image.open(image) as opened:
                return opened.copy()
        except (FileNotFoundError, IsADirectoryError, UnidentifiedImageError) as exc:
            raise UsageError(f"{image}: not a readable image file ({type(exc).__name__})") from exc
    return image


def _to_rgb_then(transform: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # Grey digits and RGBA PNGs alike must reach a 3-channel backbone as RGB.
    def apply(image: Any) -> Any:
        image = open_image(image)
        return transform(image.convert("RGB") if image.mode != "RGB" else image)
    return apply
