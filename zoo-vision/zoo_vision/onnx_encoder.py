"""The vision domain's inputs for ONNX Runtime, with PIL and numpy alone (no torch, timm or
torchvision): timm's evaluation transform, step for step, so the pixels equal the torch path's.

timm's eval transform is: RGB, resize the shorter side to ``floor(size / crop_pct)``
(torchvision's ``Resize``, which on a PIL image is PIL's own resize), centre crop to ``size``
(torchvision's ``CenterCrop``, zero padding where the image is smaller), scale to [0, 1] and
normalise with the mean and std, all in float32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from zoo.errors import UsageError

from .preprocess import open_image

#: timm's interpolation names, as PIL's resampling filters.
RESAMPLING = ("nearest", "bilinear", "bicubic", "box", "hamming", "lanczos")


class ImageEncoder:
    """Images (PIL or paths) to ``pixel_values``, as ``VisionDomain.collate`` makes them."""

    def __init__(self, config: dict[str, Any]) -> None:
        import numpy as np

        self.size = int(config["image_size"])
        self.crop_pct = float(config["crop_pct"])
        if config["interpolation"] not in RESAMPLING:
            raise UsageError(f"the export's interpolation {config['interpolation']!r} is not one "
                             f"of {', '.join(RESAMPLING)}; export the run again")
        self.interpolation = str(config["interpolation"])
        self.mean = np.asarray(config["mean"], dtype=np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(config["std"], dtype=np.float32).reshape(-1, 1, 1)
        self.inputs = list(config["inputs"])

    def encode(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        from .domain import check_images

        check_images(inputs)
        return [{"image": image} for image in inputs]

    def collate(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import numpy as np

        return {self.inputs[0]: np.stack([self.pixels(f["image"]) for f in features])}

    def pixels(self, image: Any) -> Any:
        """One image as a normalised float32 (3, size, size) array."""
        import numpy as np
        from PIL import Image

        image = open_image(image)
        if image.mode != "RGB":
            image = image.convert("RGB")
        image = _resize_shorter(image, math.floor(self.size / self.crop_pct),
                                getattr(Image.Resampling, self.interpolation.upper()))
        image = _center_crop(image, self.size)
        array = np.asarray(image, dtype=np.uint8).astype(np.float32) / 255
        return (array.transpose(2, 0, 1) - self.mean) / self.std


def _resize_shorter(image: Any, side: int, resample: Any) -> Any:
    """torchvision's ``Resize(side)``: the shorter side to ``side``, the longer in proportion
    (truncated), and an image already that size left as it is."""
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_long = int(side * long / short)
    size = (side, new_long) if width <= height else (new_long, side)
    return image if size == (width, height) else image.resize(size, resample)


def _center_crop(image: Any, side: int) -> Any:
    """torchvision's ``CenterCrop(side)``: zero padding first where the image is smaller."""
    from PIL import Image

    width, height = image.size
    if side > width or side > height:
        left, top = max(side - width, 0) // 2, max(side - height, 0) // 2
        padded = Image.new(image.mode, (width + max(side - width, 0),
                                        height + max(side - height, 0)))
        padded.paste(image, (left, top))
        image, (width, height) = padded, padded.size
        if (width, height) == (side, side):
            return image
    top, left = int(round((height - side) / 2.0)), int(round((width - side) / 2.0))
    return image.crop((left, top, left + side, top + side))
