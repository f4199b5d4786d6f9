"""Reading one row's input and label cells, and ordering the label names.

Each ``parse_*`` returns the value or raises :class:`BadValue` with a short reason that
ends up in the bad-rows report. Label names are strings whatever the file stored (1, "1"
and 1.0 are the same class), ordered numerically when they all look like numbers (so "10"
follows "9") and alphabetically otherwise, unless the task fixes their order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from zoo.errors import UsageError


class BadValue(ValueError):
    """A cell that cannot be used; the message is the reason shown beside the row."""


def label_name(value: Any) -> str:
    """A class label as its name: strings stripped, 1 and 1.0 both "1", True "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(f"label {value!r} is not a class")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        if not value.strip():
            raise BadValue("empty label")
        return value.strip()
    raise BadValue(f"label is a {type(value).__name__}, expected a string or a number")


def parse_text(value: Any) -> str:
    if value is None:
        raise BadValue("missing text")
    if not isinstance(value, str):
        raise BadValue(f"text is a {type(value).__name__}, expected a string")
    if not value.strip():
        raise BadValue("empty text")
    return value


def parse_input(value: Any) -> Any:
    """Any other domain's input (an image path, an image): present and not blank."""
    if value is None:
        raise BadValue("missing input")
    if isinstance(value, str) and not value.strip():
        raise BadValue("empty input")
    return value


def parse_words(value: Any) -> list[str]:
    """Words for token classification: a list of strings, or a string split on whitespace."""
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, (list, tuple)):
        raise BadValue(f"words are a {type(value).__name__}, expected a list of strings")
    if not value:
        raise BadValue("no words")
    if not all(isinstance(w, str) and w.strip() for w in value):
        raise BadValue("every word must be a non-empty string")
    return list(value)


def parse_single(value: Any) -> str:
    if value is None:
        raise BadValue("missing label")
    return label_name(value)


def parse_multi(value: Any, separator: str) -> tuple[str, ...]:
    """A set of labels: a list, or a string such as ``"sport,politics"``; none is allowed."""
    if value is None:
        raise BadValue("missing label")
    if isinstance(value, str):
        value = [part for part in value.split(separator) if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise BadValue(f"labels are a {type(value).__name__}, expected a list or "
                       f"{separator!r}-separated names")
    return tuple(dict.fromkeys(label_name(v) for v in value))


def parse_regression(value: Any) -> float:
    return _number(value, "label")


def parse_confidence(value: Any) -> float:
    """How sure a row is of its label: a probability in (0, 1]."""
    number = _number(value, "confidence")
    if not 0 < number <= 1:
        raise BadValue(f"confidence {value!r} is outside (0, 1]")
    return number


def _number(value: Any, what: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadValue(f"missing {what}")
    if isinstance(value, bool):
        raise BadValue(f"{what} is a boolean, expected a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadValue(f"{what} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise BadValue(f"{what} {value!r} is not a finite number")
    return number


def parse_tags(value: Any, n_words: int) -> tuple[str, ...]:
    """One tag per word: a list, or a whitespace-separated string."""
    if value is None:
        raise BadValue("missing label")
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, (list, tuple)):
        raise BadValue(f"tags are a {type(value).__name__}, expected a list")
    if len(value) != n_words:
        raise BadValue(f"{len(value)} tags for {n_words} words")
    return tuple(label_name(v) for v in value)


def value_types(values: Iterable[Any]) -> set[str]:
    """What sort of labels usable cells hold: "booleans", "numbers" (1 and "1" alike) or
    "names", for the warning about a column that mixes them."""
    out = set()
    for v in values:
        if isinstance(v, bool):
            out.add("booleans")
        elif isinstance(v, (int, float)):
            out.add("numbers")
        elif isinstance(v, str) and v.strip():
            try:
                float(v)
            except ValueError:
                out.add("names")
            else:
                out.add("numbers")
    return out


def order_labels(names: Iterable[str]) -> tuple[str, ...]:
    """Sorted; numerically when every name is a number, so "2" < "10"."""
    unique = set(names)
    try:
        return tuple(sorted(unique, key=float))
    except ValueError:
        return tuple(sorted(unique))


def fix_labels(found: Iterable[str], declared: Sequence[str], task: str) -> tuple[str, ...]:
    """The task's own label list when it has one (data must stay inside it), else the found ones."""
    found = set(found)
    if not declared:
        return order_labels(found)
    unknown = found - set(declared)
    if unknown:
        raise UsageError(f"task {task!r} knows the labels {', '.join(declared)}; the data also has "
                         f"{', '.join(repr(u) for u in order_labels(unknown))}: fix the data or use "
                         "a task without fixed labels (e.g. 'classify')")
    return tuple(declared)
