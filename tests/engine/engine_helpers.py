"""Run the engine on the tiny snapshot with test-sized settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo.adapt import AdaptOutcome, adapt_snapshot
from zoo.catalog import Task
from zoo.data import TaskData
from zoo.engine import TrainConfig
from zoo.snapshot import Snapshot

FAST = dict(epochs=3, batch_size=16, lr=2e-3, progress=False, bf16=False, checkpoint_every=0)


def run(snapshot: Path, out: Path, make: Any, head: str, labels: tuple[str, ...],
        strategy: str = "full", options: dict | None = None, n: int = 240, resume: bool = False,
        on_step: Callable[[int], None] | None = None, task: str = "tiny",
        **config: Any) -> AdaptOutcome:
    """``task`` names the run's task (a catalog task's name lets zoo eval read --data)."""
    data = TaskData(make(n, 1), make(60, 2), make(60, 3), labels, "0" * 64, name="tiny")
    task_entry = Task(name=task, head=head, labels=labels)
    return adapt_snapshot(Snapshot.folder(snapshot, "tiny-bert", repo="local/tiny", revision="r0"),
                          task_entry, data, strategy=strategy, strategy_options=options or {},
                          config=TrainConfig(**{**FAST, **config}), output=out, resume=resume,
                          on_step=on_step)
