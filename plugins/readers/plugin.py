"""The builtin plugin of the dataset readers, through the hook a third party uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl
from zoo.plugins.readers.hf_datasets import DatasetsDirReader
from zoo.plugins.readers.tabular import CsvReader, JsonlReader, ParquetReader, TsvReader
from zoo.plugins.readers.text_folders import TextFoldersReader
from zoo.plugins.readers.vader import VaderValenceReader


@hookimpl
def register_readers(register: Callable[[Any], None]) -> None:
    for reader in (CsvReader(), TsvReader(), JsonlReader(), ParquetReader(), DatasetsDirReader(),
                   TextFoldersReader(), VaderValenceReader()):
        register(reader)
