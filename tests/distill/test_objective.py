"""The distill objective between engine and loss: the teacher runs once per training example
however many epochs, each step's loss is the configured mix, and the report compares both."""

from __future__ import annotations

import dataclasses
import functools
import random
from pathlib import Path

import pytest
import torch

from zoo.app import get_zoo
from zoo.engine import TrainingView
from zoo.plugins.strategies.distill import DistillConfig, build_student, distill_loss
from zoo.plugins.strategies.distill.objective import DistillObjective
from zoo.testing import run_record

from distill_helpers import tiny_teacher


class Counting(torch.nn.Module):
    """The teacher, counting the examples it is run on."""

    def __init__(self, teacher: torch.nn.Module) -> None:
        super().__init__()
        self.teacher, self.examples, self.autocast = teacher, 0, []

    def forward(self, **inputs: torch.Tensor) -> object:
        self.examples += len(inputs["input_ids"])
        self.autocast.append(torch.is_autocast_enabled("cpu"))
        return self.teacher(**inputs)


def _view(workdir: Path, n: int = 24) -> TrainingView:
    g = torch.Generator().manual_seed(0)
    ids = {s: torch.randint(1, 100, (n, 6), generator=g) for s in ("train", "test")}
    labels = {s: torch.randint(0, 3, (n,), generator=g) for s in ("train", "test")}

    def logits(model: torch.nn.Module, split: str) -> torch.Tensor:
        with torch.no_grad():
            return model.eval()(input_ids=ids[split]).logits

    return TrainingView(
        workdir=workdir, sizes={"train": n, "validation": 0, "test": n}, is_main=True,
        batches=lambda split: [list(range(i, min(i + 5, n))) for i in range(0, n, 5)],
        inputs=lambda split, idx: {"input_ids": ids[split][list(idx)],
                                   "attention_mask": torch.ones(len(idx), 6, dtype=torch.long)},
        labels=lambda split: labels[split], logits=logits)


def _objective(config: DistillConfig) -> tuple[DistillObjective, Counting, torch.nn.Module]:
    teacher = tiny_teacher()
    student, plan = build_student(teacher)
    counting = Counting(teacher).eval()
    head = get_zoo().heads.get("classification")
    return DistillObjective(config, head, counting, plan, run_record()), counting, student


def test_teacher_runs_once_per_example_over_three_epochs(tmp_path: Path) -> None:
    objective, counting, student = _objective(DistillConfig(teacher="t"))
    view = _view(tmp_path)
    objective.setup(view)
    assert counting.examples == 24
    for epoch in range(3):
        order = list(range(24))
        random.Random(epoch).shuffle(order)
        for start in range(0, 24, 8):
            idx = order[start:start + 8]
            inputs = view.inputs("train", idx)
            objective.loss(lambda x, hidden=False: student(**x).logits, inputs,
                           view.labels("train")[idx], idx).backward()
    assert counting.examples == 24
    assert (tmp_path / "teacher.pt").is_file()


def test_teacher_runs_in_the_engines_precision(tmp_path: Path) -> None:
    """The engine's bf16 autocast covers the teacher as it covers the student's steps."""
    objective, counting, _ = _objective(DistillConfig(teacher="t"))
    bf16 = functools.partial(torch.autocast, "cpu", dtype=torch.bfloat16)
    objective.setup(dataclasses.replace(_view(tmp_path), autocast=bf16))
    assert counting.autocast and all(counting.autocast)
    plain, counting, _ = _objective(DistillConfig(teacher="t"))
    (tmp_path / "plain").mkdir()
    plain.setup(_view(tmp_path / "plain"))
    assert counting.autocast and not any(counting.autocast)


def test_a_resumed_run_reads_the_teachers_outputs_from_the_work_dir(tmp_path: Path) -> None:
    first, _, _ = _objective(DistillConfig(teacher="t"))
    first.setup(_view(tmp_path))
    again, counting, _ = _objective(DistillConfig(teacher="t"))
    again.setup(_view(tmp_path))
    assert counting.examples == 0


def test_step_loss_is_the_configured_mix_against_the_teacher(tmp_path: Path) -> None:
    config = DistillConfig(teacher="t", temperature=3.0, alpha_soft=0.7, alpha_hard=0.2)
    objective, counting, student = _objective(config)
    view = _view(tmp_path)
    objective.setup(view)
    idx = [3, 17, 5]
    inputs, labels = view.inputs("train", idx), view.labels("train")[idx]
    got = objective.loss(lambda x, hidden=False: student(**x).logits, inputs, labels, idx)
    with torch.no_grad():
        s = student(**inputs).logits
        t = counting.teacher(**inputs).logits
    head = get_zoo().heads.get("classification")
    want = distill_loss(config, "single", s, t, head.loss(s, labels)).total
    assert got.item() == pytest.approx(want.item(), rel=1e-5)


def test_report_scores_teacher_and_student_on_the_test_split(tmp_path: Path) -> None:
    objective, counting, student = _objective(DistillConfig(teacher="t"))
    view = _view(tmp_path)
    report, card = objective.report(view, student)
    head = get_zoo().heads.get("classification")
    labels = view.labels("test")
    assert report["teacher"]["metrics"] == head.metrics(view.logits(counting.teacher, "test"), labels)
    assert report["student"]["metrics"] == head.metrics(view.logits(student, "test"), labels)
    assert report["student"]["parameters"] < report["teacher"]["parameters"]
    assert set(report["teacher"]["latency"]) == {"1", "32"}
    assert report["teacher"]["latency"]["32"]["batch_size"] == 24  # the split holds only 24
    assert "| teacher | 4 |" in card and "| student | 2 |" in card
