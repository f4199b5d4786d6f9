"""Backbones named by Hub repo id, by local folder and by finished run (zoo.backbones),
against the loopback Hub: neither tiny model here is in the catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zoo.integrity import sha256_file

from hub_helpers import invoke, write_data

REPO = "someone/tiny-bert"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def hub(hub_server, tiny_bert):
    files = _files(tiny_bert)
    other = dict(files, **{"config.json": files["config.json"].replace(b"}", b', "x": 1}', 1)})
    server = hub_server({REPO: {"main": files, "v1": other}})
    server.set_meta(REPO, license="mit", pipeline_tag="feature-extraction")
    return server


def test_a_hub_repo_is_adapted_by_id_with_its_hashes_held_and_locked(hub, tiny_bert, tmp_path):
    from zoo.lockfile import read_record

    data = write_data(tmp_path / "train.jsonl")
    out = tmp_path / "run"
    result = invoke("adapt", REPO, "--task", "classify", "--data", data, "--output", out,
                    "--epochs", "1", "--no-bf16", "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert (run["entry"], run["repo"], run["revision"]) == (
        "someone--tiny-bert", REPO, hub.commit(REPO))
    assert run["license"] == "mit"
    weights = sha256_file(tiny_bert / "model.safetensors")
    assert run["files"]["model.safetensors"] == weights
    locked = read_record("backbone", "someone--tiny-bert", "hub")
    assert locked is not None and locked.revision == hub.commit(REPO)
    assert locked.files["model.safetensors"] == weights
    assert set(locked.files) == {"config.json", "model.safetensors", "tokenizer.json",
                                 "tokenizer_config.json", "vocab.txt"}
    assert "base_model: \"someone/tiny-bert\"" in (out / "README.md").read_text()
    # Downstream, the run is a run like any other.
    predicted = invoke("predict", out, "good great fun", "--json", "--no-bf16")
    assert predicted.exit_code == 0, predicted.output
    assert json.loads(predicted.stdout)[0]["label"] in ("negative", "positive")
    scored = invoke("eval", out, "--data", data, "--json", "--no-bf16")
    assert scored.exit_code == 0, scored.output
    assert "accuracy" in json.loads(scored.stdout)["metrics"]


def test_a_revision_is_pinned_to_its_commit_and_info_says_it_is_a_hub_repo(hub):
    pulled = invoke("pull", f"{REPO}@v1", "--json")
    assert pulled.exit_code == 0, pulled.output
    assert json.loads(pulled.stdout)["revision"] == hub.commit(REPO, "v1") != hub.commit(REPO)
    info = invoke("info", REPO, "--json")
    assert info.exit_code == 0, info.output
    entry = json.loads(info.stdout)
    assert (entry["repo"], entry["revision"], entry["architecture"], entry["domain"]) == (
        REPO, hub.commit(REPO), "BertModel", "text")
    lfs = {f["path"]: f.get("sha256") for f in entry["files"]}
    assert lfs["model.safetensors"] and lfs["config.json"] is None  # the Hub reports LFS only
    assert "named as: a Hub repo" in invoke("info", REPO).stdout


def test_a_tampered_file_is_refused(hub, tmp_path):
    hub.tamper(REPO, "model.safetensors", b"not the weights the Hub reports")
    result = invoke("pull", REPO)
    assert result.exit_code == 1
    assert "model.safetensors from hub has sha256" in result.output
    assert "expected" in result.output and len(result.output.splitlines()) == 1


@pytest.mark.parametrize("change, problem", [
    (lambda f: {**f, "config.json": f["config.json"].replace(
        b"{", b'{"auto_map": {"AutoModel": "modeling.Mine"}, ', 1)},
     "config.json names the model's own code (auto_map), which zoo never runs; refused"),
    (lambda f: {**{k: v for k, v in f.items() if k != "model.safetensors"},
                "pytorch_model.bin": b"pickle"},
     "has only pickle weights (pytorch_model.bin), which can run code when loaded; refused. "
     "Pass --allow-pickle"),
    (lambda f: {**f, "config.json": b'{"model_type": "nope", "architectures": ["NopeModel"]}'},
     "no installed domain loads ['NopeModel'] (config.json)"),
])
def test_a_repo_zoo_must_not_or_cannot_load_is_one_line_and_exit_2(
        hub_server, tiny_bert, tmp_path, change, problem):
    hub_server({"bad/repo": {"main": change(_files(tiny_bert))}})
    result = invoke("adapt", "bad/repo", "--task", "classify",
                    "--data", write_data(tmp_path / "d.jsonl"))
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1 and problem in result.output


def test_pickle_weights_load_with_allow_pickle(hub_server, tiny_bert, tmp_path):
    import torch
    from safetensors.torch import load_file

    files = {k: v for k, v in _files(tiny_bert).items() if k != "model.safetensors"}
    blob = tmp_path / "pytorch_model.bin"
    torch.save(load_file(str(tiny_bert / "model.safetensors")), blob)
    hub_server({"old/bert": {"main": {**files, "pytorch_model.bin": blob.read_bytes()}}})
    out = tmp_path / "run"
    result = invoke("adapt", "old/bert", "--task", "classify", "--data",
                    write_data(tmp_path / "d.jsonl"), "--output", out, "--epochs", "1",
                    "--no-bf16", "--no-progress", "--allow-pickle")
    assert result.exit_code == 0, result.output
    assert "pytorch_model.bin" in json.loads((out / "run.json").read_text())["files"]


def test_an_unknown_name_keeps_the_catalogs_did_you_mean(hub):
    result = invoke("info", "tiny-brt")
    assert result.exit_code == 2 and result.output.startswith("Error: unknown catalog entry")
    missing = invoke("info", "someone/nothing-here")
    assert missing.exit_code == 2
    assert "has no model repo someone/nothing-here" in missing.output


def test_a_local_folder_is_a_backbone_and_wins_over_a_catalog_name(
        zoo_env, tiny_bert, tmp_path):
    shutil.copytree(tiny_bert, Path("shadow"))
    zoo_env.add_catalog('[backbones.shadow]\nrepo = "org/shadow"\nlicense = "mit"\n')
    info = invoke("info", "shadow")
    assert "named as: a local folder" in info.stdout, info.output
    out = tmp_path / "run"
    result = invoke("adapt", "shadow", "--task", "classify", "--data",
                    write_data(tmp_path / "d.jsonl"), "--output", out, "--epochs", "1",
                    "--no-bf16", "--no-progress")
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert run["entry"] == "shadow" and run["repo"] == ""
    assert set(run["files"]) == {"config.json", "model.safetensors", "tokenizer.json",
                                 "tokenizer_config.json", "vocab.txt"}


def test_a_finished_run_adapted_further_records_its_lineage(runs, tmp_path):
    parent = runs["full"]
    out = tmp_path / "further"
    result = invoke("adapt", parent, "--task", "classify", "--data",
                    write_data(tmp_path / "more.jsonl", seed=7), "--output", out,
                    "--epochs", "1", "--no-bf16", "--no-progress")
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    before = json.loads((parent / "run.json").read_text())
    assert run["lineage"]["parent"]["run"] == str(parent.resolve())
    assert run["lineage"]["parent"]["entry"] == before["entry"] == "tiny-bert"
    assert run["lineage"]["base"] == {"entry": "tiny-bert", "repo": "local/tiny-bert",
                                      "revision": before["revision"]}
    assert run["files"]["model.safetensors"] == sha256_file(parent / "model.safetensors")
    assert 'base_model: "local/tiny-bert"' in (out / "README.md").read_text()
    listed = json.loads(invoke("runs", tmp_path, "--json").stdout)
    assert listed[0]["lineage"]["parent"]["run"] == str(parent.resolve())
    assert "parent " in invoke("runs", tmp_path).stdout

    grandchild = tmp_path / "again"
    result = invoke("adapt", out, "--task", "classify", "--data", tmp_path / "more.jsonl",
                    "--output", grandchild, "--epochs", "1", "--no-bf16", "--no-progress")
    assert result.exit_code == 0, result.output
    chain = json.loads((grandchild / "run.json").read_text())["lineage"]
    assert chain["parent"]["lineage"]["parent"]["run"] == str(parent.resolve())
    assert chain["base"]["entry"] == "tiny-bert"


def test_a_lora_run_is_not_adapted_further_unmerged(runs, tmp_path):
    result = invoke("adapt", runs["lora"], "--task", "classify", "--data",
                    write_data(tmp_path / "d.jsonl"))
    assert result.exit_code == 2
    assert "is a LoRA run: adapt it further once merged" in result.output


def test_a_folder_of_links_is_read_through_them(zoo_env, tiny_bert, tmp_path):
    # A Hugging Face cache snapshot is all links into its blobs.
    links = tmp_path / "snapshot"
    links.mkdir()
    for f in tiny_bert.iterdir():
        (links / f.name).symlink_to(f)
    result = invoke("info", links, "--json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)
    assert {f["path"]: f["sha256"] for f in entry["files"]}["model.safetensors"] == sha256_file(
        tiny_bert / "model.safetensors")
    pulled = invoke("pull", links, "--json")
    assert pulled.exit_code == 0, pulled.output
