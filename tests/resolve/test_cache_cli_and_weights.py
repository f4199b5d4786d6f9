"""``zoo pull`` / ``zoo cache`` end to end on the loopback Hub, the weights policy, and a tiny
real model loaded by transformers from a resolved snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REPO, backbone, tiny_files, write_catalog

from zoo import get_zoo
from zoo.cli.main import cli
from zoo.errors import UsageError
from zoo.testing.pytest_plugin import build_tiny_bert
from zoo.resolve import resolve
from zoo.snapshot import Snapshot
from zoo.weights import check_weights, load_state_dict


def test_pull_then_cache_ls_verify_rm(hub_server, isolated):
    files = tiny_files()
    server = hub_server({REPO: {"main": files}})
    write_catalog(isolated, REPO, "main", files)
    runner = CliRunner()
    pulled = runner.invoke(cli, ["pull", "tiny"])
    assert pulled.exit_code == 0, pulled.output
    assert "tiny: 3 files" in pulled.output and "from hub" in pulled.output

    listed = json.loads(runner.invoke(cli, ["cache", "ls", "--json"]).output)
    assert [(r["entry"], r["revision"], r["source"]) for r in listed] == [
        ("tiny", server.commit(REPO), "hub")]
    assert listed[0]["size"] == sum(len(d) for d in files.values())

    assert runner.invoke(cli, ["cache", "verify", "tiny"]).exit_code == 0
    blob = (Path(listed[0]["path"]) / "vocab.txt").resolve()
    blob.write_bytes(b"rot")
    bad = runner.invoke(cli, ["cache", "verify", "tiny"])
    assert bad.exit_code == 1 and "vocab.txt: expected" in bad.output

    removed = runner.invoke(cli, ["cache", "rm", "tiny"])
    assert removed.exit_code == 0, removed.output
    assert not Path(listed[0]["path"]).exists()
    assert json.loads(runner.invoke(cli, ["cache", "ls", "--json"]).output) == []
    assert runner.invoke(cli, ["cache", "verify", "tiny"]).exit_code == 2


def test_pickle_weights_are_refused_unless_opted_in(tmp_path):
    import torch

    torch.save({"w": torch.ones(2)}, tmp_path / "pytorch_model.bin")
    snap = Snapshot.folder(tmp_path, "x", files={"pytorch_model.bin": "0" * 64})
    with pytest.raises(UsageError, match="pickle checkpoint"):
        check_weights(snap, allow_pickle=False)
    assert check_weights(snap, allow_pickle=True) == ["pytorch_model.bin"]
    with pytest.raises(UsageError):
        load_state_dict(tmp_path / "pytorch_model.bin")
    assert torch.equal(load_state_dict(tmp_path / "pytorch_model.bin", allow_pickle=True)["w"],
                       torch.ones(2))


def test_a_tiny_bert_resolved_from_the_hub_loads_with_transformers(hub_server, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    made = build_tiny_bert(tmp_path / "made")
    files = {p.name: p.read_bytes() for p in made.iterdir()}
    hub_server({REPO: {"main": files}})
    snap = resolve(backbone("main", files, hashed=("model.safetensors",)), get_zoo())
    check_weights(snap, allow_pickle=False)
    model = AutoModel.from_pretrained(snap.path)
    assert model.config.hidden_size == 32
    assert AutoTokenizer.from_pretrained(snap.path).tokenize("the film") == ["the", "film"]


def test_zoo_list_imports_neither_torch_nor_huggingface_hub():
    code = ("import sys; from zoo.cli.main import main\n"
            "try:\n    main(['list'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('torch', 'huggingface_hub', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
