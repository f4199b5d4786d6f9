"""Inference latency and size of a model, so teacher and student compare in one process.

Timings taken in different processes (or machines) differ by more than a student saves, so
the report measures both models here, on the same batches, one after the other: warm-up
runs first (allocator, thread pool, lazy init), then the median of repeated runs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Latency:
    """Median seconds per forward pass of one batch of ``batch_size`` examples."""

    batch_size: int
    median_s: float
    repeats: int

    @property
    def examples_per_second(self) -> float:
        return self.batch_size / self.median_s if self.median_s else 0.0


def count_parameters(model: Any) -> int:
    """Every parameter, trainable or not (what the model weighs when served)."""
    return sum(p.numel() for p in model.parameters())


def measure_latency(model: Any, batch: dict[str, Any], *, warmup: int = 3,
                    repeats: int = 10) -> Latency:
    """Median wall time of ``model(**batch)`` in eval mode without autograd."""
    import torch

    was_training = model.training
    model.eval()
    times = []
    try:
        with torch.inference_mode():
            for _ in range(warmup):
                model(**batch)
            for _ in range(repeats):
                start = time.perf_counter()
                model(**batch)
                times.append(time.perf_counter() - start)
    finally:
        model.train(was_training)
    size = len(next(iter(batch.values())))
    return Latency(batch_size=size, median_s=statistics.median(times), repeats=repeats)


def compare(teacher: Any, student: Any, batches: dict[int, dict[str, Any]], *,
            warmup: int = 3, repeats: int = 10) -> dict[str, Any]:
    """Parameters and latency of both models per batch size, and the student's speed-up.

    Models alternate per batch size so that drifting machine load hits both alike.
    """
    report: dict[str, Any] = {
        "teacher": {"parameters": count_parameters(teacher), "latency": {}},
        "student": {"parameters": count_parameters(student), "latency": {}},
        "speedup": {},
    }
    report["size_ratio"] = report["student"]["parameters"] / report["teacher"]["parameters"]
    for size, batch in sorted(batches.items()):
        t = measure_latency(teacher, batch, warmup=warmup, repeats=repeats)
        s = measure_latency(student, batch, warmup=warmup, repeats=repeats)
        report["teacher"]["latency"][str(size)] = asdict(t)
        report["student"]["latency"][str(size)] = asdict(s)
        report["speedup"][str(size)] = t.median_s / s.median_s if s.median_s else 0.0
    return report
