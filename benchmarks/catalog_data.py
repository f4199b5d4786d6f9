"""What the benchmarks train on: the catalog's own entries, resolved and split exactly as
``zoo adapt`` resolves and splits them, so a benchmark's test set is the one runs report."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any


def catalog_snapshot(entry: str) -> Path:
    """The catalog entry's files, resolved and verified the way ``zoo adapt`` does."""
    from zoo import get_zoo
    from zoo.resolve import resolve

    zoo = get_zoo()
    return Path(resolve(zoo.backbones.get(entry), zoo, progress=False).path)


def task_data(task: str, train_rows: int = 0, hard_labels: bool = False) -> Any:
    """``task``'s catalog data as ``TaskData``; optionally fewer training rows, for time, and
    without the dataset's label confidence (``zoo adapt --hard-labels``)."""
    from zoo import get_zoo
    from zoo.data import load_task_data

    zoo = get_zoo()
    data = load_task_data(zoo.tasks.get(task), zoo, hard_labels=hard_labels)
    return dataclasses.replace(data, train=data.train[:train_rows]) if train_rows else data
