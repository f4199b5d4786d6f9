"""The data model the engine consumes: labelled examples grouped into fixed splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

@dataclass(frozen=True)
class Example:
    """One input and its label, already encoded by the head's label format (see
    :class:`TaskData` and ``zoo.data.label_formats``).

    ``input`` is the raw domain input (a str for text, a list of words for token
    classification): tokenizing belongs to the domain, which knows the backbone.
    ``confidence`` is how sure the data is of a single label (raters' agreement, a graded
    score), when it says: training then aims at that probability instead of certainty.
    """

    input: Any
    label: Any
    confidence: float | None = None


@dataclass(frozen=True)
class TaskData:
    """A task's data, split once and for all.

    ``validation`` is for model selection and ``test`` only for the final report, so the
    reported figure is never the one that was optimised. ``labels`` maps an index to its
    name (empty for regression). ``sha256`` identifies the examples actually used (after
    bad rows were dropped), for run provenance; ``skipped_rows`` counts those dropped;
    ``name`` says where the data came from (a catalog dataset or the user's path);
    ``split_seed`` is the seed that split it where it had no splits of its own.
    """

    train: list[Example]
    validation: list[Example]
    test: list[Example]
    labels: tuple[str, ...]
    sha256: str
    description: str = ""
    skipped_rows: int = 0
    name: str = ""
    split_seed: int = 0
