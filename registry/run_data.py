"""Examples to score a finished run on: a split of its task's data, or of --data.

``zoo eval`` scores the test split, ``zoo export`` checks parity on the validation split; both
read the data with the run's own labels in their order, whichever backend runs the model. A
``--data`` file that is the run's own data (its examples, split as the run split them, have
the digest run.json records) gives the same split, so training rows are never scored; any
other file is scored whole.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.app import Zoo
from zoo.rundir.record import RunRecord


@dataclass(frozen=True)
class RunExamples:
    """The examples to score, and which they are, in words (``zoo eval`` prints it)."""

    examples: list[Any]
    source: str


def run_examples(run: RunRecord, zoo: Zoo, *, split: str, data: Path | None = None,
                 text_column: str | None = None, label_column: str | None = None) -> RunExamples:
    """``split`` ("train", "validation" or "test") of the run's task's data, read with its head
    and domain as ``zoo`` has them; with ``data``, that file's ``split`` when it is the run's
    own data, else all its rows."""
    from zoo import data as data_module
    from zoo.errors import UsageError

    task, head = zoo.tasks.get(run.task), zoo.heads.get(run.head)

    if data is None and not task.dataset:
        raise UsageError(f"task {task.name!r} reads your own data and the run was trained on "
                         f"{run.data.get('name')}; give --data FILE")
    if run.labels:
        # Score against the labels the model was trained with, in their order: inferred afresh
        # from other data, the same names could get other indices.
        task = dataclasses.replace(task, labels=run.labels)
    task_data = data_module.load_task_data(
        task, zoo, data=data, text_column=text_column, label_column=label_column,
        label_kind=head.label_format(), domain=zoo.domains.get(run.domain),
        seed=_split_seed(run))
    if data is None:
        return RunExamples(list(getattr(task_data, split)), f"the {split} split")
    if task_data.sha256 == run.data.get("sha256"):
        return RunExamples(list(getattr(task_data, split)),
                           f"the {split} split of {data} (the run's own data)")
    return RunExamples([*task_data.train, *task_data.validation, *task_data.test],
                       f"every row of {data}")


def _split_seed(run: RunRecord) -> int:
    """The seed that split the run's data (runs from before it was recorded used 0, the
    default); run.json is untrusted, so anything but an int is the default too."""
    seed = run.data.get("split_seed", 0)
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else 0
