"""Fixtures shared by the whole suite: an isolated environment for every test."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import zoo
from zoo.testing import write_plugin_distribution


@pytest.fixture(autouse=True)
def isolated_zoo(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No user catalog, plugin filter or debug flag leaks in from the developer's shell, and
    every test starts from a freshly built zoo."""
    for var in ("ZOO_CATALOG", "ZOO_PLUGINS", "ZOO_STRICT_PLUGINS", "ZOO_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    zoo.reset_zoo()
    yield
    zoo.reset_zoo()


@pytest.fixture
def make_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Install a real plugin distribution (dist-info + entry point) on sys.path for this test."""
    root = tmp_path / "site"
    monkeypatch.syspath_prepend(str(root))
    made: list[str] = []

    def make(name: str, code: str, *, version: str = "1.0", entry_point: str | None = None) -> str:
        write_plugin_distribution(root, name, code, version=version, entry_point=entry_point)
        importlib.invalidate_caches()
        made.append(name.replace("-", "_"))
        zoo.reset_zoo()
        return entry_point or name

    yield make
    for module in made:
        sys.modules.pop(module, None)
