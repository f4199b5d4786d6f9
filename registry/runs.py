"""``zoo runs``: the adapted models on this machine, read through their run records.

Runs are looked for in ``./runs`` and the folders ``ZOO_RUNS`` names (``os.pathsep``
between them), or in the folders given: each is a run itself or holds runs one level down.
Nothing here imports torch: a run is described by its run.json, metrics.json and files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from zoo.errors import UsageError
from zoo.rundir.card import library_name
from zoo.rundir.record import RUN_JSON, RunRecord, read_run

RUNS_ENV = "ZOO_RUNS"
ONNX_DIR = "onnx"


@dataclass(frozen=True)
class RunSummary:
    """What ``zoo runs`` says of one run."""

    path: Path
    record: RunRecord
    test: dict[str, float]
    size: int
    date: str
    formats: tuple[str, ...]
    lineage: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def score(self) -> float | None:
        """The test figure of the run's selection metric."""
        value = self.test.get(self.record.metric)
        return float(value) if isinstance(value, (int, float)) else None

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {"name": self.name, "path": str(self.path), "entry": r.entry, "repo": r.repo,
                "revision": r.revision, "task": r.task, "strategy": r.strategy,
                "metric": r.metric, "test": self.test, "size": self.size, "date": self.date,
                "lineage": self.lineage, "formats": list(self.formats)}


def lineage_of(record: RunRecord) -> dict[str, Any]:
    """Where the run's model came from: ``base`` (the first backbone of the chain: the
    record's, else its entry), ``parent`` (the run it adapted further), ``teacher``."""
    out: dict[str, Any] = {"base": {"entry": record.entry, "repo": record.repo,
                                    "revision": record.revision}}
    teacher = record.strategy_config.get("teacher")
    if isinstance(teacher, str) and teacher:
        out["teacher"] = {"run": teacher}
    out.update(record.lineage)
    return out


def default_folders() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(RUNS_ENV, "").split(os.pathsep) if p]
    return [Path("runs"), *extra]


def _size(path: Path) -> int:
    """Bytes of the run's own files (a link, such as a LoRA base's, counts as itself)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _formats(path: Path, record: RunRecord) -> tuple[str, ...]:
    """The library that loads the run (transformers, peft, timm), then its exports."""
    out = [library_name(record)]
    if (path / ONNX_DIR / "model.onnx").is_file():
        out.append("onnx")
    if (path / ONNX_DIR / "model_quantized.onnx").is_file():
        out.append("onnx-int8")
    return tuple(out)


def _test_metrics(path: Path) -> dict[str, float]:
    try:
        metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in dict(metrics.get("test", {})).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def summarize(path: Path) -> RunSummary:
    """One run's summary; a damaged run.json is the UsageError ``read_run`` raises."""
    record = read_run(path)
    stamp = datetime.fromtimestamp((path / RUN_JSON).stat().st_mtime, timezone.utc)
    return RunSummary(path, record, _test_metrics(path), _size(path),
                      stamp.isoformat(timespec="minutes"), _formats(path, record),
                      lineage_of(record))


def find_runs(folders: list[Path] | None = None, task: str | None = None
              ) -> tuple[list[RunSummary], list[str]]:
    """The runs under ``folders`` (default: ./runs and ZOO_RUNS), sorted by path, and one
    line per run directory that could not be read. A folder given that does not exist is a
    UsageError; a default one is skipped."""
    given = folders is not None
    found: dict[Path, None] = {}
    for folder in folders if folders is not None else default_folders():
        if not folder.is_dir():
            if given:
                raise UsageError(f"{folder} is not a folder; give a run directory or a "
                                 "folder of runs")
            continue
        if (folder / RUN_JSON).is_file():
            found[folder] = None
        else:
            found.update((child, None) for child in sorted(folder.iterdir())
                         if child.is_dir() and not child.name.startswith(".")
                         and (child / RUN_JSON).is_file())
    runs, problems = [], []
    for path in found:
        try:
            summary = summarize(path)
        except UsageError as exc:
            problems.append(f"skipped {exc}")
            continue
        if task is None or summary.record.task == task:
            runs.append(summary)
    return runs, problems


def rank(runs: list[RunSummary], lower_is_better: bool) -> list[RunSummary]:
    """Runs by their test figure, best first; those without one last."""
    scored = [(score, r) for r in runs if (score := r.score) is not None]
    scored.sort(key=lambda pair: pair[0] if lower_is_better else -pair[0])
    return [r for _, r in scored] + [r for r in runs if r.score is None]
