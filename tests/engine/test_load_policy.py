"""What a run is built from: exactly the verified files of its backbone (an unlisted file
beside them is never read), and never a model's own code (auto_map)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine_tiny import catalog_entry, sentiment
from zoo.cli.main import cli

LISTED = ("config.json", "model.safetensors", "tokenizer.json")


@pytest.fixture
def source(snapshot, zoo_env, tmp_path) -> Path:
    """A copy of the tiny BERT whose catalog entry lists three of its files, not its
    tokenizer_config.json."""
    folder = tmp_path / "tiny-bert"
    shutil.copytree(snapshot, folder)
    zoo_env.add_catalog(catalog_entry(folder, LISTED))
    return folder


def _data(path: Path) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for e in sentiment(40, 1):
            writer.writerow([e.input, ["negative", "positive"][e.label]])
    return path


def _adapt(tmp_path: Path, out: Path) -> "CliRunner.invoke":
    return CliRunner().invoke(cli, [
        "adapt", "tiny-bert", "--task", "classify", "--data", str(_data(tmp_path / "d.csv")),
        "--output", str(out), "--epochs", "1", "--max-steps", "1", "--no-bf16", "--no-progress"])


def test_an_unlisted_file_beside_the_verified_ones_is_never_loaded(source, tmp_path):
    config = json.loads((source / "tokenizer_config.json").read_text())
    config["injected"] = "by whoever could write the folder"
    (source / "tokenizer_config.json").write_text(json.dumps(config))
    out = tmp_path / "run"
    result = _adapt(tmp_path, out)
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "tokenizer_config.json").read_text())
    assert "injected" not in saved
    assert set(json.loads((out / "run.json").read_text())["files"]) == set(LISTED)
    assert CliRunner().invoke(cli, ["cache", "verify", "tiny-bert"]).exit_code == 0


def test_cache_verify_names_a_file_that_was_never_verified(source, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["pull", "tiny-bert"]).exit_code == 0
    path = Path(json.loads(runner.invoke(cli, ["cache", "ls", "--json"]).output)[0]["path"])
    assert sorted(p.name for p in path.iterdir()) == sorted(LISTED)
    (path / "tokenizer_config.json").write_text('{"injected": true}')
    bad = runner.invoke(cli, ["cache", "verify", "tiny-bert"])
    assert bad.exit_code == 1
    assert "tokenizer_config.json: not a verified file" in bad.output
    # the next resolve rebuilds the folder with the verified files alone
    assert runner.invoke(cli, ["pull", "tiny-bert"]).exit_code == 0
    assert sorted(p.name for p in path.iterdir()) == sorted(LISTED)


def test_a_pickle_anywhere_in_the_folder_is_refused(tmp_path):
    from zoo.errors import UsageError
    from zoo.snapshot import Snapshot
    from zoo.weights import check_weights

    (tmp_path / "model.safetensors").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "extra.bin").write_bytes(b"a pickle")
    snap = Snapshot.folder(tmp_path, "x", files={"model.safetensors": "0" * 64})
    with pytest.raises(UsageError, match="sub/extra.bin is a pickle checkpoint"):
        check_weights(snap, allow_pickle=False)


@pytest.mark.parametrize("key", ["auto_map", "custom_pipelines"])
def test_a_backbone_that_asks_for_its_own_code_is_refused_before_anything_is_staged(
        source, tmp_path, key):
    config = json.loads((source / "config.json").read_text())
    config[key] = {"AutoModel": "modeling_evil.EvilModel"}
    (source / "config.json").write_text(json.dumps(config))
    out = tmp_path / "run"
    result = _adapt(tmp_path, out)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"Error: tiny-bert: config.json names Python code of its own ({key}), which zoo never "
        "runs; choose a backbone whose architecture transformers has built in")
    assert not out.exists() and not (tmp_path / ".run.partial").exists()


def test_a_saved_run_never_carries_auto_map(snapshot, tmp_path):
    import zoo

    domain = zoo.get_zoo().domains.get("text")
    head = zoo.get_zoo().heads.get("classification")
    model = domain.build_model(snapshot, head, ["a", "b"])
    model.config.auto_map = {"AutoModel": "modeling_evil.EvilModel"}
    preprocessor = domain.load_preprocessor(snapshot)
    domain.save(model, preprocessor, tmp_path / "out")
    assert "auto_map" not in json.loads((tmp_path / "out" / "config.json").read_text())
