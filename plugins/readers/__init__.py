"""Builtin plugin: the dataset readers (CSV, JSONL, Parquet, ``datasets`` dirs, text folders,
and the VADER movie-review file), registered through the same hook a third party uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from .hf_datasets import DatasetsDirReader
from .tabular import CsvReader, JsonlReader, ParquetReader, TsvReader
from .text_folders import TextFoldersReader
from .vader import VaderValenceReader


@hookimpl
def register_readers(register: Callable[[Any], None]) -> None:
    for reader in (CsvReader(), TsvReader(), JsonlReader(), ParquetReader(), DatasetsDirReader(),
                   TextFoldersReader(), VaderValenceReader()):
        register(reader)
