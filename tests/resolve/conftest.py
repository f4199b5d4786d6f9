"""Fixtures for the resolver's tests: an isolated HF cache and zoo home, and the loopback Hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hubserver import start_hub  # noqa: F401  (re-exported fixture)

from zoo import reset_zoo


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HF_HOME, ZOO_HOME and working directory, and no Hub settings."""
    for var in ("HF_ENDPOINT", "HF_HUB_OFFLINE", "HF_TOKEN", "HF_HUB_CACHE", "ZOO_CATALOG",
                "ZOO_PYPI_DOWNLOADS", "ZOO_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    reset_zoo()
    yield work
    reset_zoo()
