"""A tiny timm model that is in no catalog, adapted by Hub repo id (zoo.backbones) against
the loopback Hub: the entry is built from the Hub's metadata and its sha256s are locked."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from zoo import get_zoo
from zoo.backbones import find_backbone
from zoo.engine import TrainConfig
from zoo.integrity import sha256_file
from zoo.lockfile import read_record
from zoo.resolve import resolve

from test_adapt import FAST, TASK, examples

REPO = "someone/tiny-effnet"


def test_a_timm_repo_is_adapted_by_id(zoo_env, hub_server, tmp_path: Path) -> None:
    from zoo.adapt import adapt_snapshot
    from zoo.data import TaskData
    from zoo_vision.timm_models import create_model, import_timm

    torch.manual_seed(0)
    folder = tmp_path / "test_efficientnet"
    import_timm().models.save_for_hf(create_model("test_efficientnet"), str(folder),
                                     safe_serialization=True)
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    server = hub_server({REPO: {"main": files}})
    server.set_meta(REPO, license="apache-2.0", library_name="timm")

    named = find_backbone(REPO, get_zoo())
    assert (named.how, named.entry.domain, named.entry.architecture) == (
        "Hub repo", "vision", "test_efficientnet")
    weights = sha256_file(folder / "model.safetensors")
    assert {f.path: f.sha256 for f in named.entry.files}["model.safetensors"] == weights
    snapshot = resolve(named.entry, get_zoo())
    locked = read_record("backbone", named.entry.name, "hub")
    assert locked is not None and locked.files["model.safetensors"] == weights
    assert locked.revision == server.commit(REPO)

    data = TaskData(examples(16, 0), examples(4, 100), examples(4, 200), TASK.labels, "0" * 64,
                    name="shades")
    out = adapt_snapshot(snapshot, TASK, data, strategy="freeze",
                         config=TrainConfig(**{**FAST, "epochs": 1}), output=tmp_path / "run")
    run = json.loads((out.output / "run.json").read_text())
    assert (run["repo"], run["revision"], run["domain"]) == (REPO, server.commit(REPO), "vision")
    card = (out.output / "README.md").read_text()
    assert "pipeline_tag: image-classification" in card and "library_name: timm" in card
