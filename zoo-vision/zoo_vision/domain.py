"""The ``vision`` domain: timm backbones from verified local files, and their image transforms.

A draft against the core's light ``zoo.components.Domain``; the adapt engine's method
contract will decide the final names. Everything heavy is imported inside the methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from zoo.catalog import Backbone
from zoo.components import Domain
from zoo.errors import UsageError

WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")


class VisionDomain(Domain):
    name = "vision"
    description = "Images, on timm: CNN and ViT backbones, timm's preprocessing and augmentation"

    def load_backbone(self, entry: Backbone, snapshot: Path, num_classes: int = 0) -> Any:
        """The entry's architecture with its verified weights; ``num_classes=0``: no classifier."""
        from .weights import load_pretrained

        return load_pretrained(entry.architecture, weights_file(entry, snapshot),
                               allow_pickle=entry.allow_pickle, num_classes=num_classes)

    def transform(self, entry: Backbone, training: bool = False,
                  image_size: int | None = None) -> Callable[[Any], Any]:
        """Image -> tensor as the backbone expects; with timm's augmentation when training."""
        from .preprocess import make_transform
        from .timm_models import input_config

        return make_transform(input_config(entry.architecture), training, image_size)


def weights_file(entry: Backbone, snapshot: Path) -> Path:
    """The one weights file among the entry's files (safetensors preferred over a pickle)."""
    candidates = [snapshot / f.path for f in entry.files if f.path.endswith(WEIGHT_SUFFIXES)]
    candidates.sort(key=lambda p: p.suffix != ".safetensors")
    for path in candidates:
        if path.is_file():
            return path
    raise UsageError(f"{entry.name}: no weights file ({', '.join(WEIGHT_SUFFIXES)}) in {snapshot}; "
                     f"run `zoo pull {entry.name}`")
