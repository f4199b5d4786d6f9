"""Fixtures of the Hub workflow's tests: a tiny BERT and two runs of it, once per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zoo.testing import local_backbone_toml, offline_zoo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub_helpers import adapt, write_data  # noqa: E402


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zoo.testing.pytest_plugin import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("hub-bert") / "tiny-bert")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, tiny_bert: Path) -> Iterator[dict[str, Path]]:
    """A full and a LoRA run of the tiny BERT (catalog entry ``tiny-bert``, local source)."""
    root = tmp_path_factory.mktemp("hub-runs")
    catalog = root / "catalog.toml"
    catalog.write_text(local_backbone_toml(
        "tiny-bert", tiny_bert, ["config.json", "model.safetensors", "tokenizer.json",
                                 "tokenizer_config.json", "vocab.txt"]))
    data = write_data(root / "train.jsonl")
    with offline_zoo(root, catalog):
        yield {"full": adapt("tiny-bert", data, root / "runs" / "full"),
               "lora": adapt("tiny-bert", data, root / "runs" / "lora", "--strategy", "lora"),
               "data": data}
