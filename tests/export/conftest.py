"""Fixtures of the export tests: an offline zoo with a tiny WordPiece BERT in its catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zoo.testing import offline_zoo

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="module")
def tiny_env(tmp_path_factory: pytest.TempPathFactory):
    """An offline zoo whose catalog lists a tiny BERT with a WordPiece vocabulary (so words
    split into sub-tokens) as ``tiny-bert``, for the whole module."""
    from export_helpers import tiny_bert_catalog

    root = tmp_path_factory.mktemp("export-env")
    with offline_zoo(root, tiny_bert_catalog(root)):
        yield root


@pytest.fixture
def env(tiny_env: Path, zoo_env):
    """``tiny_env`` inside a test: the suite's isolation (tests/conftest.py) drops the
    module's catalog for each test; this names it again."""
    from zoo.app import reset_zoo

    zoo_env.monkeypatch.setenv("ZOO_CATALOG", str(tiny_env / "catalog.toml"))
    reset_zoo()
    return tiny_env
