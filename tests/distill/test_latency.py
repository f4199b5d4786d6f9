"""Parameter counts and latency comparisons between teacher and student."""

from __future__ import annotations

from zoo.plugins.strategies.distill import build_student, compare, count_parameters, measure_latency

from distill_helpers import random_inputs, tiny_teacher


def test_count_parameters_counts_frozen_ones_too() -> None:
    teacher = tiny_teacher()
    total = sum(p.numel() for p in teacher.parameters())
    teacher.bert.embeddings.requires_grad_(False)
    assert count_parameters(teacher) == total


def test_measure_latency_reports_a_median_and_restores_training_mode() -> None:
    teacher = tiny_teacher().train()
    result = measure_latency(teacher, random_inputs(4, 6), warmup=1, repeats=3)
    assert result.batch_size == 4 and result.repeats == 3 and result.median_s > 0
    assert result.examples_per_second == 4 / result.median_s
    assert teacher.training


def test_compare_reports_both_models_per_batch_size() -> None:
    teacher = tiny_teacher(layers=4)
    student, _ = build_student(teacher)
    report = compare(teacher, student, {1: random_inputs(1, 8), 32: random_inputs(32, 8)},
                     warmup=1, repeats=3)
    assert report["teacher"]["parameters"] == count_parameters(teacher)
    assert report["student"]["parameters"] == count_parameters(student)
    # two of four layers gone: the student is lighter by exactly two layers' weights
    per_layer = sum(p.numel() for p in teacher.bert.encoder.layer[0].parameters())
    assert report["teacher"]["parameters"] - report["student"]["parameters"] == 2 * per_layer
    assert set(report["speedup"]) == {"1", "32"}
    for size in ("1", "32"):
        t = report["teacher"]["latency"][size]["median_s"]
        s = report["student"]["latency"][size]["median_s"]
        assert report["speedup"][size] == t / s
