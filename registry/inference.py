"""``zoo eval`` and ``zoo predict``: load a finished run directory and use it.

The run's own run.json says which domain and head it was trained with, so the same code
serves every domain: inputs are whatever that domain encodes (texts, or image files for
vision), the model loads through the domain (transformers, timm, peft) and its logits come
from the domain's ``logits``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.app import Zoo
from zoo.components import Domain, Head
from zoo.errors import UsageError
from zoo.rows import stack_rows
from zoo.rundir.record import DAMAGED, RunRecord, read_run

if TYPE_CHECKING:
    from zoo.onnx_backend import OnnxModel

#: What ``--backend`` may name: the run as trained, or its ``zoo export`` (fp32 or int8).
BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass
class LoadedRun:
    path: Path
    run: RunRecord
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
        return list(self.run.labels)

    def logits(self, inputs: Sequence[Any], batch_size: int = 64) -> Any:
        """Logits per input, in order (per-token rows trimmed to first sub-tokens per word)."""
        import torch

        features = self.encode(inputs)
        rows: list[Any] = []
        from accelerate.utils import send_to_device

        with torch.no_grad(), torch.autocast(self.device, dtype=torch.bfloat16, enabled=self.bf16):
            for start in range(0, len(features), batch_size):
                chunk = features[start:start + batch_size]
                batch = send_to_device(self.domain.collate(self.preprocessor, chunk), self.device)
                logits = self.domain.logits(self.model, batch).float().cpu()
                rows.extend(self.domain.output_rows(logits, chunk))
        return rows

    def encode(self, inputs: Sequence[Any], labels: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """The inputs as the run was trained on them (its ``max_length``)."""
        return self.domain.encode(self.preprocessor, list(inputs), labels, self.head,
                                  self.run.max_length)

    def predict(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        """Label and score per input (per word for token heads)."""
        out = []
        for row in self.logits(inputs):
            out.extend(self.head.describe(row.unsqueeze(0), self.labels))
        return out


def load_run(path: Path, zoo: Zoo, *, bf16: bool = False, device: str = "cpu") -> LoadedRun:
    """The run directory ``path`` as a model, through the domain and head ``zoo`` has under
    its run.json's names; a missing or damaged file is one UsageError. ``bf16`` runs it under
    bf16 autocast (fp32 by default: the parity gate and the tests compare against fp32);
    ``device`` is a ``--device`` value (``auto``: accelerate's choice; the CPU by default,
    where the ONNX export and its parity gate run)."""
    from safetensors import SafetensorError

    from zoo.engine.device import check_device, torch_device

    path = Path(path)
    run = read_run(path)
    domain, head = zoo.domains.get(run.domain), zoo.heads.get(run.head)
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


def load_predictor(path: Path, zoo: Zoo, backend: str = "torch", *, bf16: bool | None = None,
                   device: str = "cpu") -> LoadedRun | OnnxModel:
    """The run in ``path`` on ``backend``, as zoo predict, zoo eval and zoo serve load it:
    torch on ``device``, in bf16 unless told (where the device has it), or the export on ONNX
    Runtime, importing no torch."""
    if backend not in BACKENDS:
        raise UsageError(f"--backend is one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "torch":
        from zoo.engine.device import check_device, mixed_precision, torch_device

        check_device(device)
        auto = mixed_precision(torch_device(device), None) == "bf16"
        return load_run(path, zoo, bf16=auto if bf16 is None else bf16, device=device)
    if bf16:
        raise UsageError(f"--bf16 is for --backend torch; --backend {backend} runs the export "
                         "as written")
    from zoo.onnx_backend import load_onnx_run

    return load_onnx_run(path, zoo, quantized=backend == "onnx-int8")


def evaluate_run(loaded: LoadedRun, examples: Sequence[Any]) -> dict[str, float]:
    """The head's metrics of a loaded run on examples with ``.input`` and ``.label``."""
    return evaluate_run_classes(loaded, examples)[0]


def evaluate_run_classes(loaded: LoadedRun,
                         examples: Sequence[Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """:func:`evaluate_run`'s metrics and, for a single-label classifier, the per-class
    report (``per_class``, ``confusion``; empty otherwise)."""
    from zoo.engine.classes import class_report, has_class_report

    if not examples:
        raise UsageError("no examples to evaluate")
    inputs = [e.input for e in examples]
    labels = loaded.domain.output_labels([e.label for e in examples], loaded.encode(inputs))
    logits = stack_rows(loaded.logits(inputs))
    label_tensor = loaded.head.label_tensor(labels)
    metrics = {"loss": float(loaded.head.loss(logits, label_tensor)),
               **loaded.head.metrics(logits, label_tensor)}
    classes = (class_report(logits, label_tensor, loaded.labels)
               if has_class_report(loaded.head) else {})
    return metrics, classes
