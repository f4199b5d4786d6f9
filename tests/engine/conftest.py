"""Fixtures for the engine tests: one tiny BERT snapshot per session, small data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from engine_tiny import POOLED_FILES, catalog_entry, make_snapshot  # noqa: E402


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_snapshot(tmp_path_factory.mktemp("snapshot"), dropout=0.0)


@pytest.fixture
def catalog(snapshot: Path, zoo_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The engine's tiny BERT (its vocabulary fits the sentiment data) in the test's catalog,
    with the feature cache under the test's own root."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(zoo_env.root / "cache"))
    return zoo_env.add_catalog(catalog_entry(snapshot))


@pytest.fixture(scope="session")
def pooled_snapshot(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny BERT saved as a mean-pooled sentence-transformers model."""
    import shutil

    from zoo.plugins.text.pooling import write_pooling

    path = tmp_path_factory.mktemp("pooled") / "snapshot"
    shutil.copytree(snapshot, path)
    write_pooling(path, "mean", 32)
    return path


@pytest.fixture
def pooled_catalog(pooled_snapshot: Path, zoo_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``pooled_snapshot`` in the test's catalog as ``tiny-bert``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(zoo_env.root / "cache"))
    return zoo_env.add_catalog(catalog_entry(pooled_snapshot, POOLED_FILES))
