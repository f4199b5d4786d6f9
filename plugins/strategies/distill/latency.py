"""Inference latency and size of a model, so teacher and student compare in one process.

Timings taken in different processes (or machines) differ by more than a student saves, so
the report measures both models here, on the same batches, alternately: warm-up runs first
(allocator, thread pool, lazy init), then the median of repeated runs.
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


def _time_once(model: Any, batch: dict[str, Any]) -> float:
    start = time.perf_counter()
    model(**batch)
    return time.perf_counter() - start


def _batch_size(batch: dict[str, Any]) -> int:
    return len(next(iter(batch.values())))


def measure_latency(model: Any, batch: dict[str, Any], *, warmup: int = 3,
                    repeats: int = 10) -> Latency:
    """Median wall time of ``model(**batch)`` in eval mode without autograd."""
    return _interleaved([model], batch, warmup, repeats)[0]


def _interleaved(models: list[Any], batch: dict[str, Any], warmup: int,
                 repeats: int) -> list[Latency]:
    """Time the models in turn, one forward each per round, so that a change in machine load
    during the measurement hits all of them alike (a busy shared machine drifts by more than
    the difference being measured)."""
    import torch

    modes = [m.training for m in models]
    times: list[list[float]] = [[] for _ in models]
    try:
        for m in models:
            m.eval()
        with torch.inference_mode():
            for _ in range(warmup):
                for m in models:
                    m(**batch)
            for _ in range(repeats):
                for m, out in zip(models, times):
                    out.append(_time_once(m, batch))
    finally:
        for m, mode in zip(models, modes):
            m.train(mode)
    return [Latency(batch_size=_batch_size(batch), median_s=statistics.median(t), repeats=repeats)
            for t in times]


def compare(teacher: Any, student: Any, batches: dict[int, dict[str, Any]], *,
            warmup: int = 3, repeats: int = 20) -> dict[str, Any]:
    """Parameters and latency of both models per batch size, and the student's speed-up
    (teacher's median over the student's), the two timed alternately in this process."""
    report: dict[str, Any] = {
        "teacher": {"parameters": count_parameters(teacher), "latency": {}},
        "student": {"parameters": count_parameters(student), "latency": {}},
        "speedup": {},
    }
    report["size_ratio"] = report["student"]["parameters"] / report["teacher"]["parameters"]
    for size, batch in sorted(batches.items()):
        t, s = _interleaved([teacher, student], batch, warmup, repeats)
        report["teacher"]["latency"][str(size)] = asdict(t)
        report["student"]["latency"][str(size)] = asdict(s)
        report["speedup"][str(size)] = t.median_s / s.median_s if s.median_s else 0.0
    return report
