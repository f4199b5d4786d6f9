"""Small builders for the data tests: files in every format, written from Python values."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def write_csv(path: Path, header: list[str], rows: list[list[Any]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def sentiment_rows(n: int) -> list[list[str]]:
    """``n`` distinct texts labelled alternately good and bad."""
    return [[f"review number {i} of the film", "good" if i % 2 else "bad"] for i in range(n)]
