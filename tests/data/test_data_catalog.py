"""Catalog datasets through the resolver: verified files, the entry's own split, the reader
the entry names. Served from a local directory, so no network is needed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import zoo
from zoo.data import load_task_data
from zoo.errors import IntegrityError

from data_helpers import sentiment_rows, write_csv


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user catalog with a task whose dataset is a CSV in a local folder, pinned by sha256."""
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo-home"))
    folder = tmp_path / "shared"
    folder.mkdir()
    data = write_csv(folder / "reviews.csv", ["body", "stars"], sentiment_rows(100))
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    path = tmp_path / "zoo.toml"
    path.write_text(f"""
[tasks.reviews]
head = "classification"
dataset = "reviews-data"

[datasets.reviews-data]
reader = "csv"
files = [{{ path = "reviews.csv", sha256 = "{digest}" }}]
sources = [{{ type = "local", path = "{folder}" }}]
options = {{ text_column = "body", label_column = "stars" }}
splits = {{ train = 0.6, validation = 0.2, test = 0.2 }}
seed = 7
""")
    monkeypatch.setenv("ZOO_CATALOG", str(path))
    zoo.reset_zoo()
    return folder


def test_catalog_dataset_is_resolved_read_with_its_options_and_split_by_its_seed(
        catalog: Path) -> None:
    task = zoo.get_zoo().tasks.get("reviews")
    td = load_task_data(task, zoo.get_zoo(), seed=123)
    assert (len(td.train), len(td.validation), len(td.test)) == (60, 20, 20)
    assert td.labels == ("bad", "good")
    assert "dataset 'reviews-data' (local source" in td.description
    # the entry's seed fixes the split, whatever the run's seed
    assert load_task_data(task, zoo.get_zoo(), seed=0).test == td.test


def test_a_tampered_catalog_file_is_refused(catalog: Path) -> None:
    with (catalog / "reviews.csv").open("a") as f:
        f.write("an injected review,good\n")
    with pytest.raises(IntegrityError, match="reviews.csv"):
        load_task_data(zoo.get_zoo().tasks.get("reviews"), zoo.get_zoo())
