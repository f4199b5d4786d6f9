"""Tiny runs made through the CLI, one per head, and their data, for the export tests."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_tiny import NEGATIVE, POSITIVE, multilabel, sentiment, tagging  # noqa: E402

#: Words the tiny WordPiece vocabulary splits into several sub-tokens, so per-word labels
#: have continuation pieces to skip.
SPLIT_WORDS = ["movies", "films", "plots", "loves", "hates", "boringly"]


def tiny_bert_catalog(root: Path) -> Path:
    """A tiny BERT with a WordPiece vocabulary (words split into sub-tokens) built in ``root``,
    and a catalog file listing it as ``tiny-bert``."""
    from zoo.testing import local_backbone_toml
    from zoo.testing.pytest_plugin import build_tiny_bert

    snapshot = build_tiny_bert(root / "tiny-bert")
    catalog = root / "catalog.toml"
    catalog.write_text(local_backbone_toml(
        "tiny-bert", snapshot, ["config.json", "model.safetensors", "tokenizer.json",
                                "tokenizer_config.json", "vocab.txt"]))
    return catalog


def rows(head: str, n: int, seed: int) -> list[dict]:
    """JSONL rows of the kind each head reads."""
    if head == "classification":
        return [{"text": e.input, "label": ["negative", "positive"][e.label]} for e in sentiment(n, seed)]
    if head == "multilabel":
        return [{"text": e.input, "label": [name for name, on in zip(("pos", "neg"), e.label) if on]}
                for e in multilabel(n, seed)]
    if head == "regression":
        return [{"text": e.input, "label": float(e.label)} for e in sentiment(n, seed)]
    rng = random.Random(seed)
    out = []
    for e in tagging(n, seed):
        words = [w if rng.random() < 0.7 else rng.choice(SPLIT_WORDS) for w in e.input]
        tags = ["pos" if w in POSITIVE else "neg" if w in NEGATIVE else "other" for w in words]
        out.append({"tokens": words, "tags": tags})
    return out


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in items))
    return path


TASKS = {"classification": "classify", "multilabel": "multilabel", "regression": "regress",
         "token-classification": "tag"}


def invoke(*args: str):
    from click.testing import CliRunner

    from zoo.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def adapt(root: Path, head: str, strategy: str = "full", *extra: str) -> tuple[Path, Path]:
    """A tiny run of ``head`` trained through ``zoo adapt``; returns it and its validation data."""
    name = "-".join([head, strategy, *extra]).replace("--", "")
    train = write_jsonl(root / f"{name}-train.jsonl", rows(head, 160, 1))
    validation = write_jsonl(root / f"{name}-val.jsonl", rows(head, 40, 2))
    out = root / name
    result = invoke("adapt", "tiny-bert", "--task", TASKS[head], "--data", train,
                    "--strategy", strategy, "--output", out, "--epochs", "1", "--batch-size", "16",
                    "--lr", "2e-3", "--no-bf16", "--no-progress", "--json", *extra)
    assert result.exit_code == 0, result.output
    return out, validation


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its bytes: what "left exactly as it was" compares."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
