"""The run a server answers with: ``zoo predict``'s own loading and labelling, on one backend,
plus what a client is told about its inputs (which were cut at the model's maximum length)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from zoo.app import Zoo
from zoo.capabilities import ImageInputs, OnnxExport
from zoo.serve.grouping import OVERHEAD, length_groups

#: ``pass_overhead`` on torch.
TORCH_OVERHEAD = 512


@dataclass
class ServedModel:
    """A loaded run (``LoadedRun`` or ``OnnxModel``) and how its inputs look to a client."""

    backend: str
    predictor: Any
    #: Inputs are images (uploads decoded), not texts.
    images: bool
    #: Each input is a list of words (a token head), not one text.
    words: bool
    #: The most tokens the model reads of an input, as in training (None: no such limit).
    max_length: int | None
    #: Each input's length encoded with room for one token more than ``max_length``.
    _lengths: Callable[[list[Any]], list[int]] | None = field(repr=False, default=None)
    #: A forward pass's fixed cost in padded tokens, for ``grouping``: torch's is a larger
    #: share of a pass (Python module calls) than ONNX Runtime's.
    pass_overhead: int = OVERHEAD
    #: Told the size of each forward pass (the metrics' batch-size histogram).
    on_pass: Callable[[int], Any] = field(repr=False, default=lambda n: None)

    def answer(self, inputs: Sequence[Any]) -> list[tuple[dict[str, Any], bool]]:
        """Per input, in order: its label and score as ``zoo predict --json`` prints them,
        and whether it was longer than the model reads (and so cut, as in training). Inputs
        of very different lengths run in separate passes (``grouping``)."""
        inputs = list(inputs)
        if self._lengths is None or self.max_length is None:
            self.on_pass(len(inputs))
            return [(p, False) for p in self.predictor.predict(inputs)]
        lengths = self._lengths(inputs)
        out: list[tuple[dict[str, Any], bool]] = [({}, False)] * len(inputs)
        for group in length_groups([min(n, self.max_length) for n in lengths], self.pass_overhead):
            self.on_pass(len(group))
            for i, prediction in zip(group, self.predictor.predict([inputs[i] for i in group])):
                out[i] = (prediction, lengths[i] > self.max_length)
        return out


def load_served(run_dir: Path, backend: str, zoo: Zoo, bf16: bool | None = None) -> ServedModel:
    """The run in ``run_dir`` on ``backend``, loaded the way ``zoo predict`` loads it, with
    the domain and head ``zoo`` has under its record's names."""
    from zoo.inference import load_predictor
    from zoo.onnx_backend import EXPORT_DIR

    predictor: Any = load_predictor(Path(run_dir), zoo, backend, bf16=bf16)
    domain = predictor.domain
    head = predictor.head
    images = isinstance(domain, ImageInputs) and bool(domain.image_inputs)
    words = head.output_kind == "token"
    lengths: Callable[[list[Any]], list[int]] | None = None
    max_length: int | None = None
    if backend == "torch":
        max_length = predictor.run.max_length
        longer = max_length + 1

        def lengths(inputs: list[Any]) -> list[int]:
            features = domain.encode(predictor.preprocessor, inputs, None, head, longer)
            return [domain.length(f) for f in features]
    elif "max_length" in predictor.record["encoder"]:
        config = predictor.record["encoder"]
        max_length = int(config["max_length"])
        counter = cast(OnnxExport, domain).onnx_encoder(
            Path(run_dir) / EXPORT_DIR, {**config, "max_length": max_length + 1}, head)

        def lengths(inputs: list[Any]) -> list[int]:
            return [domain.length(f) for f in counter.encode(inputs)]
    if images:
        lengths, max_length = None, None
    return ServedModel(backend, predictor, images, words, max_length, lengths,
                       TORCH_OVERHEAD if backend == "torch" else OVERHEAD)


def run_info(run_dir: Path, backend: str) -> dict[str, Any]:
    """What ``GET /info`` says of the run: read from run.json and metrics.json alone, so it
    answers before the model has loaded."""
    from zoo.rundir import read_run

    run = read_run(Path(run_dir))
    metrics_file = Path(run_dir) / "metrics.json"
    test: dict[str, Any] = {}
    if metrics_file.is_file():
        try:
            metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
            test = dict(metrics.get("test") or {}) if isinstance(metrics, dict) else {}
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError):
            test = {}
    return {"entry": run.entry, "repo": run.repo, "revision": run.revision, "task": run.task,
            "domain": run.domain, "head": run.head, "labels": list(run.labels),
            "strategy": run.strategy, "test_metrics": test, "backend": backend}
