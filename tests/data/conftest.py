"""Fixtures for the data tests: the zoo's registries and a task for the user's own data."""

from __future__ import annotations

import pytest

import zoo
from zoo.catalog import Task


@pytest.fixture
def classify() -> Task:
    """The generic single-label task, as the catalog defines it (no labels, no dataset)."""
    return zoo.get_zoo().tasks.get("classify")
