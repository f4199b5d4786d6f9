"""Where a catalog dataset's files are: the one place the data loader meets the resolver."""

from __future__ import annotations

from pathlib import Path

from zoo.app import Zoo
from zoo.catalog import Dataset


def dataset_path(entry: Dataset, zoo: Zoo) -> tuple[Path, str]:
    """The verified local file (one-file datasets) or directory to read, and its source.

    The resolver downloads and checks every file against its sha256 before this returns.
    """
    from zoo.resolve import resolve  # imports the download stack: only when data is needed

    snapshot = resolve(entry, zoo)
    path = snapshot.path / entry.files[0].path if len(entry.files) == 1 else snapshot.path
    return path, f"{snapshot.source} source, revision {snapshot.revision}"
