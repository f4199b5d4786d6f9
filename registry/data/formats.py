"""Choosing the reader for ``--data PATH``: the first registered reader that accepts it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zoo.components import Reader
from zoo.errors import UsageError


def reader_for(path: Path, readers: Sequence[Reader]) -> Reader:
    if not path.exists():
        raise UsageError(f"--data {path}: no such file or directory")
    for reader in readers:
        if reader.accepts(path):
            return reader
    raise UsageError(
        f"--data {path}: not a format any reader ({', '.join(r.name for r in readers)}) takes; use "
        "a .csv, .tsv, .jsonl or .parquet file, a directory saved by `datasets`, or a directory "
        "with one folder of .txt files per label")
