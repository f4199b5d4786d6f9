"""Fixtures for the resolver's tests: zoo's own kit (``zoo.pytest_plugin``), online."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo.pytest_plugin import ZooEnv


@pytest.fixture(autouse=True)
def isolated(zoo_env: ZooEnv) -> Path:
    """Every test gets its own HF_HOME, ZOO_HOME and working directory (returned), no Hub
    settings, and the network: the resolver's tests point it at a loopback Hub or PyPI."""
    zoo_env.go_online()
    return zoo_env.cwd
