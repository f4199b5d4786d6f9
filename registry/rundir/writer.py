"""metrics.json, run.json, the model card and the curves, written into a staged run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.integrity import write_atomic

from .card import model_card
from .plot import plot_curves

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


@dataclass(frozen=True)
class RunRecord:
    """Everything run.json states about a run besides the metrics."""

    entry: str
    repo: str
    revision: str
    license: str
    files: dict[str, str]
    task: str
    head: str
    domain: str
    labels: tuple[str, ...]
    metric: str
    data: dict[str, Any]
    strategy: str
    strategy_config: dict[str, Any]
    domain_config: dict[str, Any]
    train_config: dict[str, Any]
    seed: int
    format: str
    #: Python lines that load the run with the domain's own libraries (the card shows them).
    loading_code: str
    #: What the domain adds to run.json (text: the auto classes that load the run).
    domain_fields: dict[str, str]
    #: How the epochs were chosen (``zoo.engine.budget``): given, or the strategy's stretched.
    budget: dict[str, Any] = field(default_factory=dict)
    #: Why zoo chose the strategy (``--strategy auto``); empty when the user named it.
    strategy_chosen: str = ""


def write_run(path: Path, record: RunRecord, result: Any, wall_seconds: float) -> None:
    metrics = {"metric": record.metric, "test": result.test, "validation": result.validation,
               "best_epoch": result.best_epoch + 1, "history": result.history,
               "steps": result.steps, "stopped_early": result.stopped_early,
               "examples_per_second": round(result.examples_per_second, 2),
               "train_seconds": round(result.train_seconds, 3),
               "feature_seconds": round(result.feature_seconds, 3),
               "epoch_seconds": [round(s, 3) for s in result.epoch_seconds]}
    if result.strategy_report:
        metrics[record.strategy] = result.strategy_report
    run = {"entry": record.entry, "repo": record.repo, "revision": record.revision,
           "license": record.license, "files": record.files, "task": record.task,
           "head": record.head, "domain": record.domain, "labels": list(record.labels),
           "metric": record.metric, "data": record.data,
           "strategy": {"name": record.strategy, "config": record.strategy_config,
                        **({"chosen": record.strategy_chosen} if record.strategy_chosen else {})},
           "domain_config": record.domain_config,
           "train": record.train_config, "budget": record.budget, "seed": record.seed,
           "format": record.format,
           **record.domain_fields, "loading_code": record.loading_code,
           "bf16": result.bf16, "processes": result.processes,
           "versions": library_versions(), "wall_seconds": round(wall_seconds, 3)}
    write_json(path / "metrics.json", metrics)
    write_json(path / "run.json", run)
    write_atomic(path / "README.md", model_card(run, metrics, result.strategy_card))
    if result.history:
        plot_curves(result.history, record.metric, path / "curves.png")
