"""Examples to score a finished run on: a split of its task's data, or every row of --data.

``zoo eval`` scores the test split, ``zoo export`` checks parity on the validation split; both
read the data with the run's own labels in their order, whichever backend runs the model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from zoo.app import Zoo
from zoo.rundir.record import RunRecord


def run_examples(run: RunRecord, zoo: Zoo, *, split: str, data: Path | None = None,
                 text_column: str | None = None, label_column: str | None = None) -> list[Any]:
    """``split`` ("train", "validation" or "test") of the run's task's data, read with its head and
    domain as ``zoo`` has them; with ``data``, all its rows."""
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
        label_kind=head.label_format(), domain=zoo.domains.get(run.domain), seed=run.seed)
    if data:
        return [*task_data.train, *task_data.validation, *task_data.test]
    return list(getattr(task_data, split))
