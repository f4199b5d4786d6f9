"""What the benchmarks train on: the catalog's own entries, resolved and split exactly as
``zoo adapt`` resolves and splits them, so a benchmark's test set is the one runs report."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def catalog_snapshot(entry: str) -> Path:
    """The catalog entry's files, resolved and verified the way ``zoo adapt`` does."""
    from zoo import get_zoo
    from zoo.resolve import resolve

    return Path(resolve(get_zoo().backbones.get(entry), progress=False).path)


def task_data(task: str, train_rows: int = 0) -> Any:
    """``task``'s catalog data as ``AdaptData``; optionally fewer training rows, for time."""
    from zoo import get_zoo
    from zoo.adapt import AdaptData
    from zoo.data import load_task_data

    entry = get_zoo().tasks.get(task)
    data = load_task_data(entry)
    train = data.train[:train_rows] if train_rows else data.train
    return AdaptData(train, data.validation, data.test, tuple(data.labels), data.sha256,
                     name=entry.dataset)
