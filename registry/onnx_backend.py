"""``--backend onnx``: a run's ONNX export served by ONNX Runtime, with no torch or transformers.

What the model's outputs mean (labels, scores, metrics) stays the head's, read from numpy
arrays; inputs come from the domain's torch-free encoder (``zoo.capabilities.OnnxExport``).
``zoo export`` checks its parity through this same class.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from zoo.app import Zoo
from zoo.capabilities import ArrayLoss, OnnxEncoder, OnnxExport
from zoo.components import Domain, Head
from zoo.errors import UsageError
from zoo.rows import stack_rows

#: The folder inside a run that ``zoo export`` writes, in the layout transformers.js and
#: sentence-transformers read.
EXPORT_DIR = "onnx"
MODEL = "model.onnx"
#: The fp32 graph's weights, kept beside it (ONNX external data).
WEIGHTS = "model.onnx_data"
QUANTIZED = "model_quantized.onnx"
QUANTIZED_WEIGHTS = "model_quantized.onnx_data"
RECORD = "export.json"
#: The opset `zoo export` writes unless told: 23 has ONNX's own Attention op, which the
#: exporter writes for PyTorch's attention.
DEFAULT_OPSET = 23
INSTALL = "pip install -c constraints.txt -e '.[onnx]' (or 'zoo[onnx]')"
#: How ONNX Runtime runs every export (export.json's ``session``, the model card's loading code).
#: Denormal floats flush to zero: softmax over masked (padded) positions makes them, and on
#: x86 each costs a microcode assist. ONNX Runtime's fusion of Add and LayerNormalization into
#: its SkipLayerNormalization is left out: that kernel is slower than the two it replaces.
#: docs/deployment.md has the measurements.
SESSION: dict[str, Any] = {"config": {"session.set_denormal_as_zero": "1"},
                           "disabled_optimizers": ["SkipLayerNormFusion"]}
#: What serving an export needs; exporting needs onnx and onnxscript besides.
RUNTIME = ("numpy", "onnxruntime", "tokenizers")


def session_options(record: dict[str, Any], threads: int = 0) -> tuple[Any, list[str] | None]:
    """ONNX Runtime's options for an export (its record's ``session``; exports from before it
    ran with the defaults) and the graph optimizers to leave out. ``threads``: intra-op threads
    (0: ONNX Runtime's default, one per core)."""
    import onnxruntime

    settings = record.get("session", {})
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    for key, value in settings.get("config", {}).items():
        options.add_session_config_entry(key, value)
    return options, settings.get("disabled_optimizers") or None


def session_code(record: dict[str, Any], model_file: str = MODEL) -> list[str]:
    """Lines of plain onnxruntime Python opening ``RUN_DIR/onnx/<model_file>`` as zoo does
    (``session``, from export.json's record), for a domain's model-card loading code."""
    settings = record.get("session", {})
    lines = ["options = ort.SessionOptions()"]
    lines += [f"options.add_session_config_entry({k!r}, {v!r})"
              for k, v in settings.get("config", {}).items()]
    disabled = settings.get("disabled_optimizers")
    return lines + [f'session = ort.InferenceSession("RUN_DIR/{EXPORT_DIR}/{model_file}", options'
                    + (f", disabled_optimizers={disabled!r})" if disabled else ")")]


def require(modules: Sequence[str], what: str) -> None:
    """Fail with one line naming the install command when the onnx extra is missing."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise UsageError(f"{what} needs the onnx extra, and {name} is not installed: "
                             f"{INSTALL}") from None


def onnx_domain(zoo: Zoo, name: str) -> OnnxExport:
    """The domain ``name`` if it implements ONNX export, else a one-line usage error."""
    domain = zoo.domains.get(name)
    if not isinstance(domain, OnnxExport):
        raise UsageError(f"the {name} domain has no ONNX export (it does not implement "
                         "zoo.capabilities.OnnxExport); use --backend torch")
    return domain


@dataclass
class OnnxModel:
    """An exported model in ``folder`` (an ONNX file, the encoder's files, export.json's
    record), ready to label inputs."""

    folder: Path
    record: dict[str, Any]
    domain: Domain
    head: Head
    encoder: OnnxEncoder
    session: Any

    @classmethod
    def open(cls, folder: Path, record: dict[str, Any], domain: OnnxExport, head: Head,
             model_file: str = MODEL, threads: int = 0) -> OnnxModel:
        """``domain`` and ``head`` are the ones export.json names; ``threads``: ONNX Runtime's
        intra-op threads (0: its default, one per core)."""
        require(RUNTIME, "--backend onnx")
        import onnxruntime

        encoder = domain.onnx_encoder(folder, record["encoder"], head)
        options, disabled = session_options(record, threads)
        session = onnxruntime.InferenceSession(str(Path(folder) / model_file), options,
                                               providers=["CPUExecutionProvider"],
                                               disabled_optimizers=disabled)
        return cls(Path(folder), record, cast(Domain, domain), head, encoder, session)

    @property
    def labels(self) -> list[str]:
        return list(self.record["labels"])

    def run_batch(self, features: Sequence[dict[str, Any]]) -> Any:
        """The logits of one batch of encoded features, padded to its longest."""
        batch = self.encoder.collate(features)
        return self.session.run(None, {k: batch[k] for k in self.record["encoder"]["inputs"]})[0]

    def logits(self, inputs: Sequence[Any], batch_size: int = 64) -> list[Any]:
        """Logits per input, in order (per-token rows trimmed to first sub-tokens per word)."""
        features = self.encoder.encode(list(inputs))
        rows: list[Any] = []
        for start in range(0, len(features), batch_size):
            chunk = features[start:start + batch_size]
            rows.extend(self.domain.output_rows(self.run_batch(chunk), chunk))
        return rows

    def predict(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        """Label and score per input (per word for token heads), as ``zoo predict`` prints."""
        out: list[dict[str, Any]] = []
        for row in self.logits(inputs):
            out.extend(self.head.describe(row[None], self.labels))
        return out

    def word_labels(self, examples: Sequence[Any]) -> list[Any]:
        """Each example's label as the head scores it (per-word labels cut where truncation
        cut the words)."""
        if self.head.output_kind != "token":  # one label per input: nothing to align
            return [e.label for e in examples]
        features = self.encoder.encode([e.input for e in examples])
        return self.domain.output_labels([e.label for e in examples], features)

    def evaluate(self, examples: Sequence[Any],
                 rows: Sequence[Any] | None = None) -> dict[str, float]:
        """The head's loss (where it computes one on numpy arrays, ``ArrayLoss``) and metrics
        on examples with ``.input`` and ``.label``, as ``--backend torch`` reports them;
        ``rows``: their logits (``logits``), where already computed."""
        if not examples:
            raise UsageError("no examples to evaluate")
        logits = stack_rows(rows if rows is not None else self.logits([e.input for e in examples]))
        labels = self.head.label_array(self.word_labels(examples))
        metrics = self.head.metrics(logits, labels)
        if isinstance(self.head, ArrayLoss):
            return {"loss": self.head.array_loss(logits, labels), **metrics}
        return metrics


def load_onnx_run(run_dir: Path, zoo: Zoo, *, quantized: bool = False,
                  threads: int = 0) -> OnnxModel:
    """The ONNX export of a run directory (``zoo export`` wrote it), on ONNX Runtime."""
    from zoo.rundir.record import read_run

    run_dir = Path(run_dir)
    read_run(run_dir)  # a run directory, and an intact one
    folder = run_dir / EXPORT_DIR
    if not (folder / RECORD).is_file():
        raise UsageError(f"{run_dir} has no ONNX export; run `zoo export {run_dir}` first")
    record = json.loads((folder / RECORD).read_text())
    model_file = QUANTIZED if quantized else MODEL
    if not (folder / model_file).is_file():
        raise UsageError(f"{run_dir} has no int8 export; run `zoo export {run_dir} --quantize int8`")
    return OnnxModel.open(folder, record, onnx_domain(zoo, record["domain"]),
                          zoo.heads.get(record["head"]), model_file, threads)
