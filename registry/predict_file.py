"""``zoo predict --file``: inputs streamed from a file a batch at a time, predictions written
as JSON lines; rows that cannot be read are skipped and reported by line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.components import Domain, Reader
from zoo.errors import UsageError

BATCH = 64


@dataclass
class FileOutcome:
    written: int = 0
    #: (where, why) of each row that could not be read.
    bad: list[tuple[str, str]] = field(default_factory=list)


def _records(path: Path, readers: Sequence[Reader]) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    """(where, values, problem) per record, read by the first of ``readers`` that accepts the
    file; a .txt file is one input per non-blank line."""
    if path.suffix == ".txt":
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    yield f"line {number}", {"text": line.rstrip("\n")}, None
        return
    from zoo.data.formats import reader_for

    for row in reader_for(path, readers).read(path, {}):
        yield row.where, (dict(row.values) if row.problem is None else None), row.problem


def read_inputs(path: Path, column: str | None, domain: Domain, words: bool,
                readers: Sequence[Reader]) -> Iterator[tuple[str, Any, str | None]]:
    """(where, input, problem) per row, each input checked by ``domain`` (a list of words when
    ``words``); a column missing from the file is a usage error."""
    from zoo.data import labels as lab

    if not path.is_file():
        raise UsageError(f"--file {path}: no such file")
    parse = lab.parse_words if words else domain.parse_input
    chosen = column
    for where, values, problem in _records(path, readers):
        if values is None:
            yield where, None, problem
            continue
        if chosen is None:
            chosen = next((c for c in Reader.text_columns if c in values), None)
            if chosen is None:
                raise UsageError(f"--file {path} has none of the columns "
                                 f"{', '.join(Reader.text_columns)}; name one with --column "
                                 f"(it has {', '.join(values) or 'none'})")
        if chosen not in values:
            raise UsageError(f"--file {path} has no column {chosen!r} ({where}); it has "
                             f"{', '.join(values) or 'none'}")
        try:
            yield where, parse(values[chosen]), None
        except lab.BadValue as exc:
            yield where, None, str(exc)


def predict_file(model: Any, path: Path, column: str | None, output: Path,
                 readers: Sequence[Reader], progress: bool = True) -> FileOutcome:
    """Predict every readable row of ``path`` with ``model`` (either backend), writing
    ``output`` atomically: one JSON object per row, ``where`` naming its line. ``readers``
    are the installed file formats."""
    from tqdm import tqdm

    words = model.head.output_kind == "token"
    outcome = FileOutcome()
    tmp = output.with_name(f".{output.name}.tmp")
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "w", encoding="utf-8") as out, \
                tqdm(unit=" rows", disable=not progress, file=sys.stderr) as bar:
            batch: list[tuple[str, Any]] = []

            def flush() -> None:
                for (where, value), pred in zip(batch, model.predict([v for _, v in batch])):
                    out.write(json.dumps({"where": where, "input": value, **pred}) + "\n")
                outcome.written += len(batch)
                bar.update(len(batch))
                batch.clear()

            for where, value, problem in read_inputs(path, column, model.domain, words, readers):
                if problem is not None:
                    outcome.bad.append((where, problem))
                    continue
                batch.append((where, value))
                if len(batch) == BATCH:
                    flush()
            if batch:
                flush()
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return outcome
