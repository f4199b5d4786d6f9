"""Readers for one-record-per-row files: CSV/TSV, JSON Lines and Parquet.

Rows are located by file line (CSV, JSONL) or 1-based row (Parquet) so a user can find a
bad record in an editor; unparseable records become rows with a ``problem`` rather than
an exception, so every bad row is reported at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo.components import Reader, Row
from zoo.errors import UsageError


class CsvReader(Reader):
    name = "csv"
    description = "Comma-separated values with a header row (UTF-8, BOM allowed)"
    delimiter = ","
    suffixes: tuple[str, ...] = (".csv",)

    def accepts(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in self.suffixes

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        delimiter = options.get("delimiter", self.delimiter)
        with path.open(newline="", encoding=options.get("encoding", "utf-8-sig")) as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise UsageError(f"{path}: empty file; a header row naming the columns is required")
            width = len(header)
            for fields in reader:
                where = f"line {reader.line_num}"
                if not fields:  # a blank line carries no record
                    continue
                if len(fields) != width:
                    yield Row(where, problem=f"{len(fields)} fields, the header has {width}")
                    continue
                yield Row(where, dict(zip(header, fields)))


class TsvReader(CsvReader):
    name = "tsv"
    description = "Tab-separated values with a header row"
    delimiter = "\t"
    suffixes = (".tsv", ".tab")


class JsonlReader(Reader):
    name = "jsonl"
    description = "JSON Lines: one JSON object per line"

    def accepts(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in (".jsonl", ".ndjson")

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        with path.open(encoding=options.get("encoding", "utf-8-sig")) as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                where = f"line {number}"
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Row(where, problem=f"not valid JSON ({exc.msg})")
                    continue
                if not isinstance(value, dict):
                    yield Row(where, problem=f"a JSON {type(value).__name__}, not an object")
                    continue
                yield Row(where, value)


class ParquetReader(Reader):
    name = "parquet"
    description = "Apache Parquet (read with pyarrow, batch by batch)"

    def accepts(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in (".parquet", ".pq")

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        import pyarrow.parquet as pq  # heavy: only when a Parquet file is actually read

        try:
            parquet = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises its own ArrowInvalid for a non-Parquet file
            raise UsageError(f"{path}: not a readable Parquet file ({exc})") from exc
        number = 0
        for batch in parquet.iter_batches(batch_size=4096):
            for values in batch.to_pylist():
                number += 1
                yield Row(f"row {number}", values)
