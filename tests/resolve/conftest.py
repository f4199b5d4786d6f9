"""Fixtures for the resolver's tests (the environment itself is tests/conftest.py's, the kit's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo.testing.pytest_plugin import ZooEnv


@pytest.fixture
def isolated(zoo_env: ZooEnv) -> Path:
    """The test's working directory, where a user's ./zoo.toml (and its zoo.lock) would be."""
    return zoo_env.cwd
