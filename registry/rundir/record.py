"""run.json as one typed record: written by the adapt glue, read back by inference, distill,
export, ``zoo runs`` and ``zoo push`` through the same two functions and the same defaults."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.errors import UsageError

RUN_JSON = "run.json"
DAMAGED = "the run is damaged or incomplete: train it again with zoo adapt"


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
    domain_fields: dict[str, str] = field(default_factory=dict)
    #: Where the backbone came from besides its entry: ``parent`` (the run adapted further,
    #: with its own lineage), ``teacher`` (distill's teacher run) and ``base`` (the first
    #: backbone of the chain); empty for a catalog backbone adapted once.
    lineage: dict[str, Any] = field(default_factory=dict)
    #: How the epochs were chosen (``zoo.engine.budget``): given, or the strategy's stretched.
    budget: dict[str, Any] = field(default_factory=dict)
    #: Why zoo chose the strategy (``--strategy auto``); empty when the user named it.
    strategy_chosen: str = ""
    # -- filled in when the run is written
    bf16: bool = False
    #: The precision trained in ("bf16", "fp16" or "no") and the device type trained on.
    mixed_precision: str = ""
    device: str = ""
    processes: int = 1
    #: Examples per optimizer step, across processes and accumulated batches.
    effective_batch_size: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def max_length(self) -> int:
        """The token length the run was trained at, which eval, predict and export use too."""
        from zoo.engine.config import TrainConfig

        return int(self.train_config.get("max_length", TrainConfig.max_length))

    def to_json(self) -> dict[str, Any]:
        """run.json's content (the domain's fields are top-level keys, as DESIGN.md states)."""
        out: dict[str, Any] = {
            "entry": self.entry, "repo": self.repo, "revision": self.revision,
            "license": self.license, "files": dict(self.files), "task": self.task,
            "head": self.head, "domain": self.domain, "labels": list(self.labels),
            "metric": self.metric, "data": self.data,
            "strategy": {"name": self.strategy, "config": self.strategy_config,
                         **({"chosen": self.strategy_chosen} if self.strategy_chosen else {})},
            "domain_config": self.domain_config, "train": self.train_config,
            "budget": self.budget,
            "seed": self.seed, "format": self.format, **self.domain_fields,
            "loading_code": self.loading_code}
        if self.lineage:
            out["lineage"] = self.lineage
        out.update({"bf16": self.bf16, "mixed_precision": self.mixed_precision,
                    "device": self.device, "processes": self.processes,
                    "effective_batch_size": self.effective_batch_size,
                    "versions": dict(self.versions), "wall_seconds": self.wall_seconds})
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = RUN_JSON) -> RunRecord:
        """The record run.json's ``data`` states; a missing or mistyped field is one
        UsageError naming it (``where`` is the file, for the message)."""
        if not isinstance(data, dict):
            raise UsageError(f"{where}: not a JSON object; {DAMAGED}")

        def get(key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
            value = data.get(key, default)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise UsageError(f"{where}: {key!r} is missing or not {_a(kind)}; {DAMAGED}")
            return value

        strategy = get("strategy", dict)
        labels = get("labels", list)
        if not all(isinstance(x, str) for x in labels):
            raise UsageError(f"{where}: 'labels' must be a list of names; {DAMAGED}")
        known = {f.name for f in dataclasses.fields(cls)} | {"strategy", "train"}
        return cls(
            entry=get("entry", str), repo=get("repo", str, ""), revision=get("revision", str, ""),
            license=get("license", str, ""), files=get("files", dict, {}), task=get("task", str),
            head=get("head", str), domain=get("domain", str), labels=tuple(labels),
            metric=get("metric", str), data=get("data", dict, {}),
            strategy=_typed(strategy.get("name"), str, "strategy.name", where),
            strategy_config=_typed(strategy.get("config", {}), dict, "strategy.config", where),
            domain_config=get("domain_config", dict, {}), train_config=get("train", dict),
            seed=get("seed", int, 0), format=get("format", str),
            loading_code=get("loading_code", str, ""),
            domain_fields={k: v for k, v in data.items() if k not in known and isinstance(v, str)},
            lineage=get("lineage", dict, {}), budget=get("budget", dict, {}),
            strategy_chosen=_typed(strategy.get("chosen", ""), str, "strategy.chosen", where),
            bf16=get("bf16", bool, False),
            mixed_precision=get("mixed_precision", str, ""), device=get("device", str, ""),
            processes=get("processes", int, 1),
            effective_batch_size=get("effective_batch_size", int, 0),
            versions=get("versions", dict, {}),
            wall_seconds=float(get("wall_seconds", (int, float), 0.0)))


def _a(kind: type | tuple[type, ...]) -> str:
    name = (kind if isinstance(kind, type) else kind[0]).__name__
    return ("an " if name[0] in "aeiou" else "a ") + name


def _typed(value: Any, kind: type, key: str, where: str) -> Any:
    if not isinstance(value, kind):
        raise UsageError(f"{where}: {key!r} is missing or not {_a(kind)}; {DAMAGED}")
    return value


def read_run(path: Path, what: str = "") -> RunRecord:
    """The record of the finished run directory ``path``; ``what`` names it in the message
    (``--teacher``) when it is not one."""
    run_file = Path(path) / RUN_JSON
    if not run_file.is_file():
        raise UsageError(f"{(what + ' ') if what else ''}{path} is not a zoo run directory (no "
                         "run.json); give the --output of a finished zoo adapt")
    try:
        data = json.loads(run_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{run_file}: not valid JSON ({exc}); {DAMAGED}") from exc
    return RunRecord.from_json(data, str(run_file))
