"""``zoo eval`` and ``zoo predict``: load a finished run directory and use it.

The run's own run.json says which domain and head it was trained with, so the same code
serves every domain: inputs are whatever that domain encodes (texts, or image files for
vision), the model loads through the domain (transformers, timm, peft) and its logits come
from the domain's ``logits``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .app import get_zoo
from .components import Domain, Head
from .errors import UsageError


@dataclass
class LoadedRun:
    path: Path
    run: dict[str, Any]
    domain: Domain
    head: Head
    model: Any
    preprocessor: Any
    #: Predict under bf16 autocast (``zoo predict`` / ``zoo eval`` do where the CPU has it).
    bf16: bool = False
    #: The torch device type the model is on (``zoo eval`` / ``zoo predict``: accelerate's choice).
    device: str = "cpu"

    @property
    def labels(self) -> list[str]:
        return list(self.run["labels"])

    def logits(self, inputs: Sequence[Any], batch_size: int = 64) -> Any:
        """Logits per input, in order (per-token rows trimmed to first sub-tokens per word)."""
        import torch

        max_length = self.run.get("train", {}).get("max_length", 512)
        features = self.domain.encode(self.preprocessor, list(inputs), None, self.head, max_length)
        rows: list[Any] = []
        from accelerate.utils import send_to_device

        with torch.no_grad(), torch.autocast(self.device, dtype=torch.bfloat16, enabled=self.bf16):
            for start in range(0, len(features), batch_size):
                chunk = features[start:start + batch_size]
                batch = send_to_device(self.domain.collate(self.preprocessor, chunk), self.device)
                logits = self.domain.logits(self.model, batch).float().cpu()
                for j, f in enumerate(chunk):
                    if logits.ndim == 3:
                        starts = torch.tensor(f["word_starts"] + [False] * (logits.shape[1] - len(f["word_starts"])))
                        rows.append(logits[j][starts])
                    else:
                        rows.append(logits[j])
        return rows

    def predict(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        """Label and score per input (per word for token heads)."""
        out = []
        for row in self.logits(inputs):
            out.extend(self.head.describe(row.unsqueeze(0), self.labels))
        return out


#: What eval and predict read of run.json, and the type each must have.
RUN_FIELDS = {"task": str, "domain": str, "head": str, "labels": list}
DAMAGED = "the run is damaged or incomplete: train it again with zoo adapt"


def read_run_json(path: Path) -> dict[str, Any]:
    """run.json of the run directory ``path``, checked for what loading the run needs."""
    run_file = path / "run.json"
    if not run_file.is_file():
        raise UsageError(f"{path} is not a zoo run directory (no run.json); "
                         "give the --output of a finished zoo adapt")
    try:
        run = json.loads(run_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{run_file}: not valid JSON ({exc}); {DAMAGED}") from exc
    if not isinstance(run, dict):
        raise UsageError(f"{run_file}: not a JSON object; {DAMAGED}")
    for key, kind in RUN_FIELDS.items():
        if not isinstance(run.get(key), kind):
            raise UsageError(f"{run_file}: {key!r} is missing or not a {kind.__name__}; {DAMAGED}")
    return run


def load_run(path: Path, bf16: bool = False, device: str = "cpu") -> LoadedRun:
    """The run directory ``path`` as a model; a missing or damaged file is one UsageError.
    ``bf16`` runs it under bf16 autocast (fp32 by default: the parity gate and the tests
    compare against fp32); ``device`` is a ``--device`` value (``auto``: accelerate's
    choice; the CPU by default, where the ONNX export and its parity gate run)."""
    from .engine.device import check_device, torch_device

    from safetensors import SafetensorError

    path = Path(path)
    run = read_run_json(path)
    zoo = get_zoo()
    domain, head = zoo.domains.get(run["domain"]), zoo.heads.get(run["head"])
    try:
        model, preprocessor = domain.load_run(path, head)
    except (OSError, ValueError, RuntimeError, EOFError, SafetensorError) as exc:
        # What the domain's libraries raise on a missing or cut-short file (transformers: an
        # OSError or ValueError; safetensors: its own error; torch: a RuntimeError).
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"{path}: cannot load the run's model ({reason}); {DAMAGED}") from exc
    check_device(device)
    placed = torch_device(device)
    return LoadedRun(path, run, domain, head, model.to(placed), preprocessor, bf16, placed)


def evaluate_run(loaded: LoadedRun, examples: Sequence[Any]) -> dict[str, float]:
    """The head's metrics of a loaded run on examples with ``.input`` and ``.label``."""
    return evaluate_run_classes(loaded, examples)[0]


def evaluate_run_classes(loaded: LoadedRun,
                         examples: Sequence[Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """:func:`evaluate_run`'s metrics and, for a single-label classifier, the per-class
    report (``per_class``, ``confusion``; empty otherwise)."""
    from .engine.classes import class_report, has_class_report
    from .engine.loop import _stack

    if not examples:
        raise UsageError("no examples to evaluate")
    features = loaded.domain.encode(loaded.preprocessor, [e.input for e in examples],
                                    [e.label for e in examples], loaded.head,
                                    loaded.run.get("train", {}).get("max_length", 512))
    rows = loaded.logits([e.input for e in examples])
    if loaded.head.output_kind == "token":
        labels = [[lab for lab, s in zip(f["label"], f["word_starts"]) if s] for f in features]
    else:
        labels = [f["label"] for f in features]
    logits = _stack(rows)
    label_tensor = loaded.head.label_tensor(labels)
    metrics = {"loss": float(loaded.head.loss(logits, label_tensor)),
               **loaded.head.metrics(logits, label_tensor)}
    classes = (class_report(logits, label_tensor, loaded.labels)
               if has_class_report(loaded.head) else {})
    return metrics, classes
