"""Inputs of other domains (images, as zoo-vision's readers yield them) pass through the loader
untouched; their split and digest do not depend on where the files lie."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import zoo
from zoo.data import load_task_data
from zoo.errors import UsageError

PLUGIN = '''
import zoo

class BlobFolderReader(zoo.Reader):
    """Like an image folder: rows carry the file's Path, not its text."""
    name = "blob-folder"
    text_columns = ("image",)

    def accepts(self, path):
        return path.is_dir() and any(path.glob("*/*.blob"))

    def read(self, path, options):
        for file in sorted(path.glob("*/*.blob")):
            where = file.relative_to(path).as_posix()
            image = None if file.stat().st_size == 0 else file
            yield zoo.Row(where, {"image": image, "label": file.parent.name})

@zoo.hookimpl
def register_readers(register):
    register(BlobFolderReader())
'''


@pytest.fixture
def blobs(tmp_path: Path, make_plugin, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_plugin("zoo-blobs", PLUGIN)
    catalog = tmp_path / "zoo.toml"
    catalog.write_text('[tasks.shapes]\ndomain = "pictures"\nhead = "classification"\n')
    monkeypatch.setenv("ZOO_CATALOG", str(catalog))
    root = tmp_path / "here"
    for label in ("circle", "square"):
        (root / label).mkdir(parents=True)
        for i in range(20):
            (root / label / f"{i}.blob").write_bytes(f"{label} {i}".encode())
    return root


def test_non_text_inputs_pass_through_and_split_the_same_wherever_they_lie(
        blobs: Path, tmp_path: Path) -> None:
    task = zoo.get_zoo().tasks.get("shapes")
    here = load_task_data(task, zoo.get_zoo(), data=blobs)
    assert all(isinstance(ex.input, Path) for ex in here.train + here.validation + here.test)
    assert here.labels == ("circle", "square")
    there = load_task_data(task, zoo.get_zoo(), data=shutil.copytree(blobs, tmp_path / "elsewhere"))
    assert [ex.input.relative_to(tmp_path / "elsewhere") for ex in there.test] == \
        [ex.input.relative_to(blobs) for ex in here.test]
    assert here.sha256 == there.sha256
    (tmp_path / "elsewhere" / "circle" / "0.blob").write_bytes(b"changed")
    assert load_task_data(task, zoo.get_zoo(), data=tmp_path / "elsewhere").sha256 != here.sha256


def test_a_missing_non_text_input_is_a_bad_row(blobs: Path) -> None:
    (blobs / "square" / "3.blob").write_bytes(b"")
    with pytest.raises(UsageError, match=r"1 row\(s\) .* square/3.blob \(missing input\)"):
        load_task_data(zoo.get_zoo().tasks.get("shapes"), zoo.get_zoo(), data=blobs)
