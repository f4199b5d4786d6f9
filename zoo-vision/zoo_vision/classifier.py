"""The model the vision domain trains: a timm backbone (no classifier) plus a linear head.

Keeping the two apart makes the engine's domain-agnostic strategies simple: freezing "the
backbone" is freezing one module, and a frozen backbone's pooled features can be cached and
fed to the head alone. ``to_timm`` folds them back into one plain timm model for saving, so a
run directory loads with ``timm.create_model("local-dir:RUN_DIR", pretrained=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .timm_models import import_timm


@dataclass
class ClassifierOutput:
    """What the engine reads from a forward pass, named as transformers names it."""

    logits: Any


@lru_cache(maxsize=1)
def classifier_class() -> type:
    """The ``torch.nn.Module`` subclass, built on first use so that importing costs no torch."""
    import torch

    class VisionClassifier(torch.nn.Module):
        def __init__(self, backbone: Any, head: Any, architecture: str) -> None:
            super().__init__()
            self.backbone, self.task_head, self.architecture = backbone, head, architecture

        def forward(self, pixel_values: Any, **_: Any) -> ClassifierOutput:
            return ClassifierOutput(self.task_head(self.backbone(pixel_values)))

    return VisionClassifier


def split(model: Any, architecture: str) -> Any:
    """A timm model with a classifier, as backbone (classifier removed) plus that classifier."""
    head = model.get_classifier()
    model.reset_classifier(0)
    return classifier_class()(model, head, architecture)


def to_timm(classifier: Any) -> Any:
    """One plain timm model holding the backbone's and the head's trained weights."""
    import copy

    model = copy.deepcopy(classifier.backbone)
    classes = classifier.task_head.out_features
    model.reset_classifier(classes)
    name = import_timm().models.get_pretrained_cfg(classifier.architecture).classifier
    model.get_submodule(name).load_state_dict(classifier.task_head.state_dict())
    return model
