"""Fixtures shared by the whole suite: an isolated environment for every test."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import zoo
from zoo.testing.pytest_plugin import ZooEnv
from zoo.testing import write_plugin_distribution


def pytest_configure(config: pytest.Config) -> None:
    """The kit comes through zoo's installed ``pytest11`` entry point; an editable install made
    before that entry point existed still gets it here (test_packaging says to reinstall)."""
    if not config.pluginmanager.has_plugin("zoo"):
        import zoo.testing.pytest_plugin

        config.pluginmanager.register(zoo.testing.pytest_plugin, "zoo")


@pytest.fixture(autouse=True)
def isolated_zoo(zoo_env: ZooEnv) -> ZooEnv:
    """Every test runs in zoo's own kit environment (``zoo.testing.pytest_plugin.zoo_env``): its own
    ZOO_HOME, HF_HOME and working directory, no user catalog, plugin filter, Hub or debug
    setting from the developer's shell, and a freshly built zoo. Online, unlike the kit's
    default: the tests that need the network say so with the ``network`` marker."""
    zoo_env.go_online()
    return zoo_env


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
