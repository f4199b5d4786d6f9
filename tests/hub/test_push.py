"""zoo push against the loopback Hub: one commit through huggingface_hub's upload API (LFS
files through the batch API), the card as Hub metadata, and the repo loaded back with plain
snapshot_download + transformers / peft, predicting what zoo predict does."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hub_helpers import invoke, plain_load, zoo_predictions


@pytest.fixture
def hub(hub_server, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_write")
    return hub_server({})


def _run_files(run: Path) -> set[str]:
    return {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}


def _same_predictions(plain: list[dict], zoo: list[dict]) -> None:
    assert [p["label"] for p in plain] == [p["label"] for p in zoo]
    assert [p["score"] for p in plain] == pytest.approx([p["score"] for p in zoo], abs=1e-5)


def test_a_full_run_goes_up_in_one_commit_and_loads_back_with_plain_transformers(
        runs, hub, tmp_path):
    run = runs["full"]
    result = invoke("push", run, "--repo", "me/tiny-full", "--json")
    assert result.exit_code == 0, result.output
    pushed = json.loads(result.stdout)
    assert pushed["repo"] == "me/tiny-full" and pushed["commit"] == hub.commit("me/tiny-full")
    assert set(hub.files("me/tiny-full")) == _run_files(run) | {".gitattributes"}
    [commit] = hub.state.commits_received
    kinds = {r["value"]["path"]: r["key"] for r in commit if r["key"] != "header"}
    assert kinds["model.safetensors"] == "lfsFile" and kinds["config.json"] == "file"
    weights = (run / "model.safetensors").read_bytes()
    assert hub.files("me/tiny-full")["model.safetensors"] == weights
    assert any(r.path == "/api/validate-yaml" for r in hub.state.requests)

    plain = plain_load(hub.url, "me/tiny-full", "full", tmp_path / "hf")
    _same_predictions(plain["predictions"], zoo_predictions(run))


def test_the_pushed_card_is_hub_metadata_field_by_field(runs, hub):
    from huggingface_hub import ModelCard

    run = runs["full"]
    assert invoke("push", run, "--repo", "me/tiny-card").exit_code == 0
    card = ModelCard(hub.files("me/tiny-card")["README.md"].decode())
    data = card.data.to_dict()
    test = json.loads((run / "metrics.json").read_text())["test"]
    assert data["pipeline_tag"] == "text-classification"
    assert data["library_name"] == "transformers"
    assert data["base_model"] == "local/tiny-bert"
    assert data["license"] == "apache-2.0"
    assert "datasets" not in data  # a --data file is no Hub dataset
    assert data["tags"] == ["zoo", "full"]
    [model] = data["model-index"]
    assert model["name"] == "tiny-bert-classify"
    [result] = model["results"]
    assert result["task"] == {"type": "text-classification", "name": "classify"}
    assert result["dataset"] == {"type": "train.jsonl", "name": "train.jsonl"}
    assert {m["type"]: m["value"] for m in result["metrics"]} == pytest.approx(test, rel=1e-5)
    # huggingface_hub's own reading of the model-index agrees.
    [first, *_] = card.data.eval_results
    assert (first.task_type, first.dataset_type, first.dataset_name) == (
        "text-classification", "train.jsonl", "train.jsonl")
    # The body is the run's card: no local path of the machine it was trained on.
    assert "# tiny-bert adapted to classify" in card.text
    assert str(runs["data"].parent) not in str(card)


def test_a_lora_run_goes_up_self_contained_and_loads_back_with_plain_peft(runs, hub, tmp_path):
    run = runs["lora"]
    result = invoke("push", run, "--repo", "me/tiny-lora", "--private")
    assert result.exit_code == 0, result.output
    assert "me/tiny-lora" in hub.state.private
    files = hub.files("me/tiny-lora")
    assert {"adapter_config.json", "adapter_model.safetensors", "config.json",
            "model.safetensors", "run.json"} <= set(files)
    assert not any(p.startswith("base/") for p in files)
    adapter = json.loads(files["adapter_config.json"])
    assert adapter["base_model_name_or_path"] == "me/tiny-lora"
    card = files["README.md"].decode()
    assert "library_name: peft" in card

    plain = plain_load(hub.url, "me/tiny-lora", "peft", tmp_path / "hf")
    _same_predictions(plain["predictions"], zoo_predictions(run))


def test_a_branch_push_leaves_main_alone(runs, hub):
    result = invoke("push", runs["full"], "--repo", "me/tiny-branch", "--revision", "v1")
    assert result.exit_code == 0, result.output
    assert "run.json" in hub.files("me/tiny-branch", "v1")
    assert set(hub.files("me/tiny-branch", "main")) == {".gitattributes"}


def test_only_the_runs_own_files_go_up(runs, hub, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs["full"], run)
    (run / ".notes").write_text("mine")
    (run / "onnx").mkdir()
    (run / "onnx" / "export.json").write_text("{}")
    assert invoke("push", run, "--repo", "me/plain").exit_code == 0
    assert not {".notes", "onnx/export.json"} & set(hub.files("me/plain"))
    assert invoke("push", run, "--repo", "me/with-onnx", "--include-onnx").exit_code == 0
    assert "onnx/export.json" in hub.files("me/with-onnx")


def test_a_link_out_of_the_run_is_refused_before_anything_is_sent(runs, hub, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs["full"], run)
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    os.symlink(secret, run / "notes.txt")
    result = invoke("push", run, "--repo", "me/leak")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {run}/notes.txt is a link out of the run")
    assert len(result.output.splitlines()) == 1
    assert not [r for r in hub.state.requests if r.method in ("POST", "PUT")]


def test_no_token_is_one_line_and_exit_2(runs, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    result = invoke("push", runs["full"], "--repo", "me/x")
    assert result.exit_code == 2
    assert result.output == ("Error: zoo push needs a Hugging Face token with write access: "
                             "set HF_TOKEN or run `hf auth login`\n")


def test_a_token_the_server_refuses_is_one_line_and_exit_1(runs, hub, monkeypatch):
    hub.state.refused_tokens.add("hf_read")
    monkeypatch.setenv("HF_TOKEN", "hf_read")
    result = invoke("push", runs["full"], "--repo", "me/x")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {hub.url} refused the push to me/x: HTTP 403")
    assert len(result.output.splitlines()) == 1
    assert "me/x" not in hub.state.commits


@pytest.mark.parametrize("args, problem", [
    (["--repo", "no-namespace"], "--repo 'no-namespace' needs its namespace"),
    (["--repo", "a/../b"], "--repo not a Hub repo id"),
    (["--repo", "me/x", "--revision", "../main"], "--revision '../main' is not a branch name"),
])
def test_bad_arguments_are_one_line_and_exit_2(runs, hub, args, problem):
    result = invoke("push", runs["full"], *args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {problem}")


def test_distill_takes_the_hub_repo_a_run_was_pushed_to_as_its_teacher(runs, hub, tiny_bert,
                                                                      tmp_path):
    assert invoke("push", runs["full"], "--repo", "me/teacher").exit_code == 0
    out = tmp_path / "student"
    result = invoke("adapt", tiny_bert, "--task", "classify", "--data", runs["data"],
                    "--strategy", "distill", "--teacher", "me/teacher", "--student-layers", "1",
                    "--output", out, "--epochs", "1", "--no-bf16", "--no-progress")
    assert result.exit_code == 0, result.output
    teacher = Path(json.loads((out / "run.json").read_text())["strategy"]["config"]["teacher"])
    assert json.loads((teacher / "run.json").read_text()) == json.loads(
        (runs["full"] / "run.json").read_text())
    missing = invoke("adapt", tiny_bert, "--task", "classify", "--data", runs["data"],
                     "--strategy", "distill", "--teacher", "me/nothing", "--output",
                     tmp_path / "x")
    assert missing.exit_code == 2 and "has no model repo me/nothing" in missing.output
