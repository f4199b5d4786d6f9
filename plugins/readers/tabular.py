"""Readers for one-record-per-row files: CSV/TSV, JSON Lines and Parquet.

Rows are located by file line (CSV, JSONL) or 1-based row (Parquet) so a user can find a
bad record in an editor; unparseable records become rows with a ``problem`` rather than
an exception, so every bad row is reported at once.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo.components import Reader, Row
from zoo.errors import UsageError


#: The longest CSV field read (the csv module's default is 131,072): long enough for any
#: document, bounded so that a missing closing quote cannot swallow the rest of a large file.
MAX_FIELD_CHARS = 1 << 24


#: A byte that did not decode, as ``errors="surrogateescape"`` keeps it: a lone surrogate.
_UNDECODED = re.compile("[\udc80-\udcff]")


def undecodable(*texts: str) -> str | None:
    """Why text read with ``errors="surrogateescape"`` is unusable (its first byte that did
    not decode), else None."""
    for text in texts:
        found = _UNDECODED.search(text)
        if found:
            return (f"not UTF-8 text (byte 0x{ord(found.group()) - 0xdc00:02x}); save the file "
                    "as UTF-8")
    return None


class CsvReader(Reader):
    name = "csv"
    description = "Comma-separated values with a header row (UTF-8, BOM allowed)"
    delimiter = ","
    suffixes: tuple[str, ...] = (".csv",)

    def accepts(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in self.suffixes

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        delimiter = options.get("delimiter", self.delimiter)
        encoding = options.get("encoding", "utf-8-sig")
        limit = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            with path.open(newline="", encoding=encoding, errors="surrogateescape") as f:
                reader = csv.reader(f, delimiter=delimiter)
                header = next(reader, None)
                if not header:
                    raise UsageError(f"{path}: empty file; a header row naming the columns is required")
                bad = undecodable(*header)
                if bad:
                    raise UsageError(f"{path}: line 1, the header: {bad}")
                width = len(header)
                while True:
                    try:
                        fields = next(reader, None)
                    except csv.Error as exc:  # the field limit: the rest of that line is dropped
                        yield Row(f"line {reader.line_num}", problem=f"{exc}; is a closing quote missing?")
                        continue
                    if fields is None:
                        break
                    where = f"line {reader.line_num}"
                    if not fields:  # a blank line carries no record
                        continue
                    bad = undecodable(*fields)
                    if bad:
                        yield Row(where, problem=bad)
                    elif len(fields) != width:
                        yield Row(where, problem=f"{len(fields)} fields, the header has {width}")
                    else:
                        yield Row(where, dict(zip(header, fields)))
        finally:
            csv.field_size_limit(limit)


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
        with path.open(encoding=options.get("encoding", "utf-8-sig"), errors="surrogateescape") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                where = f"line {number}"
                bad = undecodable(line)
                if bad:
                    yield Row(where, problem=bad)
                    continue
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
