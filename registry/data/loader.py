"""``load_task_data``: a task plus optional ``--data`` in, fixed and labelled splits out.

Rows that cannot be used are collected, not raised one by one, so the user sees every bad
row number at once; the run stops unless ``skip_bad_rows`` says to leave them out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.app import Zoo
from zoo.catalog import Task
from zoo.components import Domain, Reader, Row
from zoo.errors import UsageError

from zoo.data import labels as lab
from zoo.data.examples import Example, TaskData
from zoo.data.label_formats import LABEL_FORMATS, LabelFormat
from zoo.data.fetch import dataset_path
from zoo.data.formats import reader_for
from zoo.data.splits import DEFAULT_FRACTIONS, SPLIT_ALIASES, SPLITS, assign, check_fractions, complete

log = logging.getLogger(__name__)

#: How many bad rows are named in the one-line report before the rest are only counted.
SHOWN_BAD_ROWS = 10


@dataclass(frozen=True)
class RawData:
    """What was read, before any column is interpreted, and how it is to be split."""

    rows: list[Row]
    reader: Reader
    options: Mapping[str, Any]
    origin: str  # for messages: the file, or the catalog entry and its source
    fractions: Mapping[str, float]
    split_seed: int


@dataclass(frozen=True)
class Parsed:
    key: str  # what the split is decided on: the input text, or the row's location
    input: Any
    label: Any  # label name(s) or a float, encoded to indices once the label set is known
    split: str | None  # the data's own split, when it has a split column
    confidence: float | None = None  # how sure the row is of its label, when the data says


def load_task_data(task: Task, zoo: Zoo, *, data: Path | None = None, text_column: str | None = None,
                   label_column: str | None = None, label_kind: str | LabelFormat = "single",
                   domain: Domain | None = None, skip_bad_rows: bool = False, seed: int = 0,
                   confidence_column: str | None = None, hard_labels: bool = False) -> TaskData:
    """Read ``task``'s data (its catalog dataset, or the user's ``data``) and split it, with
    ``zoo``'s readers, datasets and sources.

    A catalog dataset is split by its own ``splits`` and ``seed`` so every run sees the same
    test set; the user's data is split by its split column or ``datasets`` splits when it has
    them, else 80/10/10 keyed by ``seed`` (which the description then names).

    ``confidence_column`` (or the dataset's ``confidence_column`` option) names a column
    holding how sure each row is of its single label, a probability in (0, 1];
    ``hard_labels`` leaves the dataset's out.

    ``label_kind`` is the head's ``label_format()`` (or a builtin one's name); ``domain`` checks
    each input (``Domain.parse_input``; without one, an input only has to be there).
    """
    fmt = _format(label_kind)
    raw = _read(task, zoo, data, seed)
    columns = _columns(raw.rows)
    if not columns:  # no row could be parsed: say which, rather than "no text column"
        if not raw.rows:
            raise UsageError(f"{raw.origin} holds no rows")
        raise UsageError(_bad_rows_message(
            [(row.where, row.problem or "empty record") for row in raw.rows], raw.origin,
            skip_bad_rows))
    text_col = _column(text_column or raw.options.get("text_column"), raw.reader.text_columns,
                       columns, "text", raw.origin)
    label_col = _column(label_column or raw.options.get("label_column"), raw.reader.label_columns,
                        columns, "label", raw.origin)
    declared = None if hard_labels else raw.options.get("confidence_column")
    confidence_col = _confidence_column(confidence_column, declared, fmt, columns, raw.origin)
    split_col = raw.options.get("split_column", "split")
    if split_col not in columns or split_col in (text_col, label_col):
        split_col = None
    separator = raw.options.get("label_separator", ",")

    parsed: list[Parsed] = []
    bad: list[tuple[str, str]] = []
    label_types: set[str] = set()
    for row in raw.rows:
        try:
            parsed.append(_parse(row, text_col, label_col, split_col, fmt, separator,
                                 domain, confidence_col))
        except lab.BadValue as exc:
            bad.append((row.where, str(exc)))
        else:
            label_types |= fmt.value_types(row.values.get(label_col), separator)
    if bad and (not skip_bad_rows or not parsed):
        raise UsageError(_bad_rows_message(bad, raw.origin, skip_bad_rows))
    if bad:
        log.warning("left out %d bad row(s) of %s (first: %s: %s)", len(bad), raw.origin, *bad[0])

    names = lab.fix_labels({n for p in parsed for n in fmt.names(p.label)}, task.labels,
                           task.name)
    if len(label_types) > 1:
        log.warning("the labels of %s mix %s (%s): is column %r one labelling? Map its values "
                    "to one set of names", raw.origin, " and ".join(sorted(label_types)),
                    _some(names), label_col)
    index = {name: i for i, name in enumerate(names)}
    keys = [p.key for p in parsed]
    if split_col is None:
        splits = assign(keys, raw.fractions, raw.split_seed)
    else:
        # a split column gives every parsed row its split (rows without one are bad rows)
        splits = complete([p.split or "" for p in parsed], keys, raw.split_seed)
    out: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for p, split in zip(parsed, splits):
        out[split].append(Example(p.input, fmt.encode(p.label, index), p.confidence))
    _warn_rare_labels(parsed, fmt, sum(1 for s in SPLITS if out[s]), raw.origin)
    return TaskData(
        train=out["train"], validation=out["validation"], test=out["test"], labels=names,
        sha256=_digest(out, names, fmt.kind),
        description=_describe(raw.origin if data is None or split_col is not None
                              else f"{raw.origin}, split by seed {raw.split_seed}",
                              out, names, len(bad), confidence_col), skipped_rows=len(bad),
        name=str(data) if data is not None else task.dataset, split_seed=raw.split_seed)


def _format(label_kind: str | LabelFormat) -> LabelFormat:
    if isinstance(label_kind, LabelFormat):
        return label_kind
    if label_kind not in LABEL_FORMATS:
        raise UsageError(f"unknown label kind {label_kind!r}; expected one of "
                         f"{', '.join(LABEL_FORMATS)}")
    return LABEL_FORMATS[label_kind]


def _read(task: Task, zoo: Zoo, data: Path | None, seed: int) -> RawData:
    if data is not None:
        path = Path(data).expanduser()
        reader = reader_for(path, zoo.readers.list())
        rows = list(reader.read(path, {}))
        return RawData(rows, reader, {}, f"{path} ({reader.name})", DEFAULT_FRACTIONS, seed)
    if not task.dataset:
        raise UsageError(f"task {task.name!r} has no default dataset: give your own with --data PATH "
                         "(CSV, TSV, JSONL, Parquet, a `datasets` directory or text folders)")
    entry = zoo.datasets.get(task.dataset)
    reader = zoo.readers.get(entry.reader)
    fractions = check_fractions(entry.splits, f"dataset {entry.name!r}")
    path, served = dataset_path(entry, zoo)
    rows = list(reader.read(path, entry.options))
    return RawData(rows, reader, entry.options, f"dataset {entry.name!r} ({served})", fractions,
                   entry.seed)


def _columns(rows: Sequence[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row.values))
    return list(seen)


def _column(asked: str | None, candidates: Sequence[str], columns: list[str], role: str,
            origin: str) -> str:
    available = ", ".join(columns) or "none"
    if asked is not None:
        if asked not in columns:
            raise UsageError(f"no column {asked!r} in {origin}; available columns: {available}")
        return asked
    for name in candidates:
        if name in columns:
            return name
    raise UsageError(f"no {role} column found in {origin} (looked for {', '.join(candidates)}); "
                     f"available columns: {available}; name one with --{role}-column")


def _confidence_column(asked: str | None, declared: str | None, fmt: LabelFormat,
                       columns: list[str], origin: str) -> str | None:
    """The user's confidence column, else the dataset's; a dataset's is simply not used by a
    head whose labels take none (its rows still have a label each)."""
    if asked is not None and not fmt.takes_confidence:
        raise UsageError(f"a confidence column applies to single-label classification; these "
                         f"labels are {fmt.kind}: leave out --confidence-column")
    if asked is None and (declared is None or not fmt.takes_confidence):
        return None
    return _column(asked or declared, (), columns, "confidence", origin)


def _parse(row: Row, text_col: str, label_col: str, split_col: str | None, fmt: LabelFormat,
           separator: str, domain: Domain | None, confidence_col: str | None = None) -> Parsed:
    if row.problem:
        raise lab.BadValue(row.problem)
    values = row.values
    split = None
    if split_col is not None:
        given = values.get(split_col)
        split = SPLIT_ALIASES.get(str(given).strip().lower())
        if given is None or split is None:
            raise lab.BadValue(f"split {given!r} is not train, validation or test")
    if fmt.per_word:
        words = lab.parse_words(values.get(text_col))
        label = fmt.parse(values.get(label_col), words=len(words), separator=separator)
        return Parsed(" ".join(words), words, label, split)
    value = (domain.parse_input if domain is not None else lab.parse_input)(values.get(text_col))
    # A text is its own split key; another input (an image path, a PIL image) is the domain's
    # to interpret, keyed by the row's location, which does not depend on where the data lies.
    key = value if isinstance(value, str) else row.where
    label = fmt.parse(values.get(label_col), words=0, separator=separator)
    confidence = (lab.parse_confidence(values.get(confidence_col))
                  if confidence_col is not None else None)
    return Parsed(key, value, label, split, confidence)


def _some(names: Sequence[str], shown: int = 8) -> str:
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")


def _warn_rare_labels(parsed: list[Parsed], fmt: LabelFormat, splits: int, origin: str) -> None:
    """A class with fewer examples than there are splits is missing from at least one: never
    trained on, or never scored (a per-word tag is counted in words, not examples: left out)."""
    if fmt.per_word:
        return
    counts: Counter[str] = Counter()
    for p in parsed:
        counts.update(fmt.names(p.label))
    rare = [f"{name!r} ({n})" for name, n in sorted(counts.items(), key=lambda c: (c[1], c[0]))
            if n < splits]
    if rare:
        log.warning("%d label(s) of %s have fewer examples than the %d splits, so some split has "
                    "none of them: %s; add examples or leave those labels out", len(rare), origin,
                    splits, _some(rare))


def _bad_rows_message(bad: list[tuple[str, str]], origin: str, skipping: bool) -> str:
    shown = ", ".join(f"{where} ({why})" for where, why in bad[:SHOWN_BAD_ROWS])
    more = f" and {len(bad) - SHOWN_BAD_ROWS} more" if len(bad) > SHOWN_BAD_ROWS else ""
    advice = ("and no row is left to use once they are skipped" if skipping
              else "fix them, or pass --skip-bad-rows to leave them out")
    return f"{len(bad)} row(s) of {origin} cannot be used: {shown}{more}; {advice}"


def _digest(splits: Mapping[str, list[Example]], names: tuple[str, ...], kind: str) -> str:
    """sha256 of exactly what the run sees: label names, kind, and every example per split."""
    h = hashlib.sha256(json.dumps({"labels": names, "kind": kind}).encode())
    for split in SPLITS:
        for ex in splits[split]:
            record = [split, _fingerprint(ex.input), ex.label]
            if ex.confidence is not None:
                record.append(ex.confidence)
            h.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
    return h.hexdigest()


def _fingerprint(value: Any) -> Any:
    """A JSON-ready stand-in for an input: text as itself, a file or an in-memory image by the
    sha256 of its bytes, so the digest follows the content and not where the file lies."""
    if isinstance(value, (str, list)):
        return value
    if isinstance(value, Path):
        return hashlib.sha256(value.read_bytes()).hexdigest()
    if hasattr(value, "tobytes"):  # PIL images and numpy arrays
        return hashlib.sha256(value.tobytes()).hexdigest()
    return repr(value)


def _describe(origin: str, splits: Mapping[str, list[Example]], names: tuple[str, ...],
              skipped: int, confidence_col: str | None = None) -> str:
    sizes = " / ".join(f"{len(splits[s]):,} {s}" for s in SPLITS)
    text = f"{origin}: {sizes}"
    if names:
        text += f"; labels: {', '.join(names)}"
    if confidence_col:
        text += f"; label confidence from column {confidence_col!r}"
    if skipped:
        text += f"; {skipped:,} bad row(s) left out"
    return text
