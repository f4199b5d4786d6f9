"""metrics.json, run.json, the model card and the curves, written into a staged run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from zoo.integrity import write_atomic

from zoo.rundir.card import model_card
from zoo.rundir.plot import plot_confusion, plot_curves
from zoo.rundir.record import RUN_JSON, RunRecord

#: Libraries whose versions a run records, because each changes results.
VERSIONED = ("torch", "transformers", "peft", "accelerate", "safetensors", "huggingface_hub")


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("zoo",) + VERSIONED:
        try:
            out[name] = version(name.replace("_", "-"))
        except PackageNotFoundError:
            continue
    return out


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_run(path: Path, record: RunRecord, result: Any, wall_seconds: float) -> None:
    metrics = {"metric": record.metric, "test": result.test, "validation": result.validation,
               "best_epoch": result.best_epoch + 1, "history": result.history,
               "steps": result.steps, "stopped_early": result.stopped_early,
               "examples_per_second": round(result.examples_per_second, 2),
               "train_seconds": round(result.train_seconds, 3),
               "feature_seconds": round(result.feature_seconds, 3),
               "tracker_seconds": round(result.tracker_seconds, 3),
               "epoch_seconds": [round(s, 3) for s in result.epoch_seconds]}
    metrics.update(result.test_classes)  # per_class and confusion, on the test split
    metrics["train_steps"] = result.log
    if result.strategy_report:
        metrics[record.strategy] = result.strategy_report
    record = dataclasses.replace(record, bf16=result.bf16, mixed_precision=result.precision,
                                 device=result.device, processes=result.processes,
                                 effective_batch_size=result.effective_batch_size,
                                 versions=library_versions(),
                                 wall_seconds=round(wall_seconds, 3))
    write_json(path / "metrics.json", metrics)
    write_json(path / RUN_JSON, record.to_json())
    write_atomic(path / "README.md", model_card(record, metrics, result.strategy_card))
    if result.history:
        plot_curves(result.history, record.metric, path / "curves.png", metrics["train_steps"])
    if "confusion" in metrics:
        plot_confusion(metrics["confusion"], path / "confusion.png")
