"""The ``distill`` strategy: a student with fewer layers learns from a fine-tuned teacher."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.capabilities import HiddenStates
from zoo.components import Domain, Head, Prerequisite, Strategy
from zoo.errors import UsageError

from .config import DistillConfig
from .objective import DistillObjective
from .student import build_student, plan_student

if TYPE_CHECKING:
    from zoo.rundir import RunRecord


def read_teacher_run(path: Path) -> RunRecord:
    """The record of a finished run, or a one-line error saying what is missing."""
    from zoo.rundir import read_run

    run = read_run(Path(path), "--teacher")
    if run.format == "peft":
        raise UsageError(f"--teacher {path} is a LoRA adapter; distill needs a full model "
                         f"(a run of --strategy full or freeze)")
    return run


def load_teacher(domain: Domain, path: Path, head: Head) -> tuple[Any, RunRecord]:
    """The teacher model of a run directory (eval mode, no gradients) and its record; its
    head must be the task's ``head``."""
    run = read_teacher_run(path)
    if run.head != head.name:
        raise UsageError(f"teacher {path} has a {run.head!r} head but the task needs "
                         f"{head.name!r}")
    model, _ = domain.load_run(Path(path), head)
    model.requires_grad_(False)
    return model.eval(), run


class DistillStrategy(Strategy):
    name = "distill"
    description = "Distil a fine-tuned teacher into a DistilBERT-style student (half the layers)"
    config_class = DistillConfig
    lr = 1e-4
    # As many as the teacher's ``full`` run (docs/distill.md).
    epochs = 3
    # The head keeps the backbone's rate (the base class's 1, not full's faster one): the
    # student's classifier and pooler are the teacher's, already trained. The student is
    # built by dropping transformer layers: text encoders only.
    domains = ("text",)

    def __init__(self) -> None:
        # prepare() hands the teacher it loaded to objective(), which the adapt glue calls
        # next: a base-size teacher is loaded once per run, not twice.
        self._handed: tuple[str, Any, RunRecord] | None = None

    def _teacher(self, domain: Domain, path: str, head: Head) -> tuple[Any, RunRecord]:
        handed, self._handed = self._handed, None
        if handed is not None and handed[0] == path:
            return handed[1], handed[2]
        return load_teacher(domain, Path(path), head)

    def requires(self, config: DistillConfig) -> tuple[type, ...]:
        return (HiddenStates,)

    def complete_config(self, config: DistillConfig,
                        output: Path) -> tuple[DistillConfig, Prerequisite | None]:
        """Without --teacher, the entry fine-tuned with ``full`` first, beside the output (a
        finished one there is reused), is the teacher. A --teacher given by name (the Hub
        repo a run was pushed to, say) arrives here as its folder: the field is marked
        ``run`` in its metadata, which zoo adapt resolves."""
        if config.teacher:
            read_teacher_run(Path(config.teacher))
            return config, None
        teacher = output.parent / f"{output.name}-teacher"
        return dataclasses.replace(config, teacher=str(teacher)), Prerequisite("full", teacher)

    def prepare(self, model: Any, domain: Domain, config: DistillConfig, head: Head) -> Any:
        """The student, built from the teacher (``model``, the fresh backbone and head, only
        tells how many labels the task has)."""
        teacher, run = load_teacher(domain, Path(config.teacher), head)
        if teacher.config.num_labels != model.config.num_labels:
            raise UsageError(f"teacher {config.teacher} has {teacher.config.num_labels} labels "
                             f"but the task has {model.config.num_labels}")
        student, _ = build_student(teacher, config.student_layers or None)
        student.requires_grad_(True)
        self._handed = (config.teacher, teacher, run)
        return student.train()

    def objective(self, config: DistillConfig, domain: Domain, head: Head) -> DistillObjective:
        teacher, run = self._teacher(domain, config.teacher, head)
        if config.augment > 0 and head.label_kind == "token":
            raise UsageError("--distill-augment perturbs whole sentences, which would misalign "
                             "per-word labels: leave it at 0 for token classification")
        return DistillObjective(config, head, teacher,
                                plan_student(teacher, config.student_layers or None), run)
