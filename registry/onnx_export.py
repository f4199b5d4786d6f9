"""``zoo export``: a run directory to ONNX, checked against PyTorch before anything is written.

torch.onnx's dynamo exporter traces the model (a LoRA run merged first) with named dynamic
batch and sequence axes; onnx's checker follows. The parity gate then runs ONNX Runtime
(through ``--backend onnx``'s own code, with the session settings the export records) against
PyTorch on the run's validation examples; int8 must keep the run's metric and predictions
(``zoo.onnx_quantize``). Everything is built in a work folder inside the run
(``.onnx.*.partial``) and renamed into place, so a failure, Ctrl+C or SIGTERM leaves the run
as it was; the work folder of an export that was killed outright
(its lock held by no one) is removed by the next export of that run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zoo.app import Zoo
from zoo.capabilities import OnnxExport
from zoo.components import Head
from zoo.errors import UsageError, ZooError
from zoo.onnx_backend import (DEFAULT_OPSET, EXPORT_DIR, MODEL, QUANTIZED, QUANTIZED_WEIGHTS,
                              RECORD, RUNTIME, SESSION, WEIGHTS, OnnxModel, onnx_domain,
                              require)
from zoo.onnx_quantize import MIN_AGREEMENT, RANKING_EXAMPLES, quantize_int8
from zoo.rows import stack_rows
from zoo.run_data import RunExamples, run_examples
from zoo.rundir.record import RunRecord, read_run

#: fp32's largest allowed |logit difference| from PyTorch.
FP32_TOLERANCE = 1e-4
#: How far int8 may move the run's validation metric from fp32's: half a point.
INT8_TOLERANCE = 0.005
#: Examples checked one at a time (batch 1); the rest go in padded batches of PADDED_BATCH.
SINGLE = 8
PADDED_BATCH = 8
VERSIONED = ("zoo", "torch", "transformers", "onnx", "onnxruntime", "onnxscript", "tokenizers")
#: The lock an export holds inside its work folder while it runs.
LOCK = "lock"
#: In the work folder, an earlier export while the new one is put in its place.
PREVIOUS = "previous"


class ExportError(ZooError):
    """The export was built but failed its parity gate (exit 1)."""

    exit_code = 1


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in VERSIONED:
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch.onnx reports every op it could register (torchvision's, here absent) and
    deprecations of its own; none is the user's business."""
    # onnxruntime.quantization logs its advice on the root logger.
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo",
                                               "onnxscript", "onnx_ir")] + [logging.getLogger()]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _trace_examples(domain: Any, preprocessor: Any, head: Any, inputs: Sequence[Any],
                    max_length: int) -> list[dict[str, Any]]:
    """Two examples of different lengths (the domain's ``length``), so batch and sequence axes
    are both traced at more than one and neither looks constant to the tracer."""
    features = domain.encode(preprocessor, list(inputs[:64]), None, head, max_length)
    features.sort(key=domain.length)
    return [features[0], features[-1]]


def _export_graph(domain: Any, model: Any, head: Any, preprocessor: Any,
                  features: list[dict[str, Any]], path: Path, opset: int) -> tuple[int, ...]:
    import torch
    from onnx_ir.passes.common import ClearMetadataAndDocStringPass

    axes = domain.onnx_inputs(preprocessor)
    batch = domain.collate(preprocessor, features)
    args = tuple(batch[name] for name in axes)
    if any(arg.shape[axis] < 2 for arg, spec in zip(args, axes.values()) for axis in spec):
        raise UsageError("the validation examples are too short to trace an export on")
    dims: dict[str, Any] = {}
    shapes = tuple({axis: dims.setdefault(name, torch.export.Dim(name, min=1))
                    for axis, name in spec.items()} for spec in axes.values())
    module = domain.onnx_module(model, head).eval()
    with _quiet(), torch.no_grad():
        try:
            program = torch.onnx.export(module, args, dynamo=True, dynamic_shapes=shapes,
                                        input_names=list(axes), output_names=["logits"],
                                        opset_version=opset, optimize=True, verbose=False)
        except Exception as exc:  # the exporter's errors are long; the first line says what
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ExportError(f"torch.onnx could not export {type(model).__name__}: {first} "
                              "(zoo --debug export ... shows the whole error)") from exc
        if program is None:
            raise ExportError(f"torch.onnx returned no program for {type(model).__name__}")
        # The exporter's node metadata holds stack traces with this machine's paths: not for
        # a model that may be pushed.
        ClearMetadataAndDocStringPass()(program.model)
        program.save(str(path))
    return tuple(args[0].shape)


def _check_graph(path: Path, axes: dict[str, dict[int, str]]) -> dict[str, Any]:
    """onnx's checker, and every declared dynamic axis symbolic in the graph (a dimension
    the tracer specialised would fix the batch or length to what it saw)."""
    import onnx

    onnx.checker.check_model(str(path), full_check=True)
    proto = onnx.load(str(path), load_external_data=False)
    graph = proto.graph

    def shape(value: Any) -> list[Any]:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    inputs = {v.name: shape(v) for v in graph.input}
    for name, spec in axes.items():
        for axis in spec:
            if name not in inputs or not isinstance(inputs[name][axis], str):
                raise ExportError(f"the exported graph's input {name} has a fixed axis {axis} "
                                  f"({inputs.get(name)}); the export would serve one shape only")
    return {"opset": next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
            "inputs": [{"name": n, "shape": s} for n, s in inputs.items()],
            "outputs": [{"name": v.name, "shape": shape(v)} for v in graph.output]}


def _compare(reference: Sequence[Any], rows: Sequence[Any]) -> tuple[float, bool]:
    """Largest |difference| and whether every row's argmax agrees."""
    import numpy as np

    diff, same = 0.0, True
    for ref, got in zip(reference, rows):
        ref = np.asarray(ref, dtype=np.float32)
        diff = max(diff, float(np.abs(ref - got).max())) if ref.size else diff
        same = same and bool((ref.argmax(-1) == got.argmax(-1)).all())
    return diff, same


def _parity(model: OnnxModel, inputs: Sequence[Any], reference: Sequence[Any],
            traced: tuple[int, ...]) -> dict[str, Any]:
    """ONNX Runtime against PyTorch at batch 1, in padded batches, and at the lengths the
    validation examples have (the tracer saw one). Lengths are those of the first input's
    dynamic axis 1 (text's sequence); an input without one (an image) has none to count."""
    first = model.record["inputs"][0]
    sequence = "1" in first["dynamic_axes"]
    features = model.encoder.encode(list(inputs))
    single = [row for f in features[:SINGLE] for row in model.domain.output_rows(model.run_batch([f]), [f])]
    batched: list[Any] = []
    widths, padded = set(), 0
    for start in range(0, len(features), PADDED_BATCH):
        chunk = features[start:start + PADDED_BATCH]
        if sequence:
            lengths = [len(f[first["name"]]) for f in chunk]
            widths.add(max(lengths))
            padded += sum(n < max(lengths) for n in lengths)
        batched.extend(model.domain.output_rows(model.run_batch(chunk), chunk))
    if sequence:
        widths |= {len(f[first["name"]]) for f in features[:SINGLE]}
    d1, same1 = _compare(reference[:SINGLE], single)
    d2, same2 = _compare(reference, batched)
    preds = [p["label"] for r in batched for p in model.head.describe(r[None], model.labels)]
    torch_preds = [p["label"] for r in reference
                   for p in model.head.describe(r[None], model.labels)]
    return {"max_abs_diff": max(d1, d2), "max_abs_diff_batch1": d1,
            "max_abs_diff_padded": d2, "same_argmax": same1 and same2,
            "same_predictions": preds == torch_preds, "examples": len(features),
            "batch1_examples": len(single), "padded_rows": padded,
            "lengths": sorted(widths), "traced": list(traced),
            "untraced_lengths": len(widths - {traced[1]})}


def _fp32_ok(parity: dict[str, Any]) -> bool:
    return (parity["max_abs_diff"] <= FP32_TOLERANCE and parity["same_argmax"]
            and parity["same_predictions"])


def _int8(folder: Path, record: dict[str, Any], domain: OnnxExport, head: Head,
          examples: Sequence[Any], fp32_rows: Sequence[Any], ranking: Sequence[Any],
          metric: str, fp32_metric: float, tolerance: float) -> dict[str, Any]:
    """The int8 model and its figures, or ExportError with the figures of every try."""
    with _quiet():
        result = quantize_int8(folder, record, domain, head, examples, fp32_rows, ranking,
                               metric, fp32_metric, tolerance)
    if result["passed"]:
        return result
    (folder / QUANTIZED).unlink()
    figures = "; ".join(
        f"{len(t['rowwise'])} layers per-row, {len(t['fp32_nodes'])} left fp32: "
        f"{metric} {t[metric]:.4f}"
        + (f", {t['agreement']:.2%} of predictions as fp32's" if t["agreement"] is not None else "")
        for t in result["tried"])
    raise ExportError(f"int8 loses too much: validation {metric} {fp32_metric:.4f} in fp32, "
                      f"{figures} (at most {tolerance} allowed, and {MIN_AGREEMENT:.0%} of "
                      "predictions kept); nothing was written")


def export_run(run_dir: Path, zoo: Zoo, *, quantize: str = "none", opset: int = DEFAULT_OPSET,
               data: Path | None = None, text_column: str | None = None,
               label_column: str | None = None,
               int8_tolerance: float = INT8_TOLERANCE) -> dict[str, Any]:
    """Export ``run_dir`` into ``run_dir/onnx``; returns export.json's content.

    The run's domain, head and task come from ``zoo``. ``int8_tolerance`` is the int8 gate's
    limit (tests tighten it to see the gate fail)."""
    from zoo.inference import load_run

    run_dir = Path(run_dir)
    run = read_run(run_dir)
    if quantize not in ("none", "int8"):
        raise UsageError(f"--quantize is none or int8, not {quantize!r}")
    require(("onnx", "onnxscript", *RUNTIME), "zoo export")
    domain = onnx_domain(zoo, run.domain)
    files = domain.onnx_files(run_dir)
    loaded = load_run(run_dir, zoo)
    gate = run_examples(run, zoo, split="validation", data=data, text_column=text_column,
                        label_column=label_column)
    examples = gate.examples
    if len(examples) < 2:
        raise UsageError("zoo export checks parity on the run's validation examples and found "
                         f"{len(examples)}; give --data with at least two labelled rows")
    inputs = [e.input for e in examples]
    # int8's layers are ranked on training inputs, which its gate (on validation) does not see.
    ranking = [e.input for e in run_examples(run, zoo, split="train", data=data,
                                             text_column=text_column,
                                             label_column=label_column).examples
               [:RANKING_EXAMPLES]] if quantize == "int8" else []
    max_length = run.max_length
    reference = loaded.logits(inputs)
    model = loaded.model
    if hasattr(model, "merge_and_unload"):  # a LoRA run: the adapter folded into the weights
        model = model.merge_and_unload()
    with _terminated_raises(), _workspace(run_dir) as work:
        build = work / EXPORT_DIR
        build.mkdir()
        record = _build(build, run, domain, model, loaded, gate, reference, files,
                        max_length, quantize, opset, int8_tolerance, ranking)
        _install(run_dir, work, record, domain.onnx_loading_code(record))
    return record


@contextlib.contextmanager
def _terminated_raises() -> Iterator[None]:
    """A SIGTERM raises SystemExit (exit 143) instead of ending the process where it stands,
    so the export's work folder is removed as after Ctrl+C. Only where SIGTERM has its default
    action, and from the main thread (the only one that may set a handler)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _workspace(run_dir: Path) -> Iterator[Path]:
    """This export's work folder inside ``run_dir``, its lock held while the export runs, and
    removed however the export ends; the work folders of exports that were killed go first."""
    from filelock import FileLock

    _remove_stale(run_dir)
    work = Path(tempfile.mkdtemp(prefix=f".{EXPORT_DIR}.", suffix=".partial", dir=run_dir))
    lock = FileLock(work / LOCK, timeout=0)
    try:
        lock.acquire()
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock.release()


def _remove_stale(run_dir: Path) -> None:
    """Remove what exports of ``run_dir`` that were killed left: work folders whose lock no
    process holds (older zoo versions' ``.old`` and ``.partial`` folders hold none). A folder
    another export is working in is left alone, and so is anything that is not a folder."""
    from filelock import FileLock, Timeout

    for path in run_dir.iterdir():
        if (not path.name.startswith(f".{EXPORT_DIR}.")
                or not path.name.endswith((".partial", ".old"))
                or path.is_symlink() or not path.is_dir()):
            continue
        lock = FileLock(path / LOCK, timeout=0)  # opened with O_NOFOLLOW: never a link's target
        try:
            lock.acquire()
        except (Timeout, OSError):  # held: an export at work; or no lock zoo could have made
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            lock.release()


def _build(tmp: Path, run: RunRecord, domain: Any, model: Any, loaded: Any,
           gate: RunExamples, reference: Sequence[Any], files: list[str], max_length: int,
           quantize: str, opset: int, int8_tolerance: float,
           ranking: Sequence[Any]) -> dict[str, Any]:
    from zoo.integrity import sha256_file

    examples = gate.examples
    inputs = [e.input for e in examples]

    head, preprocessor = loaded.head, loaded.preprocessor
    for name in files:
        shutil.copy2(loaded.path / name, tmp / name)
    axes = domain.onnx_inputs(preprocessor)
    traced = _export_graph(domain, model, head, preprocessor,
                           _trace_examples(domain, preprocessor, head, inputs, max_length),
                           tmp / MODEL, opset)
    graph = _check_graph(tmp / MODEL, axes)
    record: dict[str, Any] = {
        "format": "onnx", "opset": graph.pop("opset"), "domain": run.domain, "head": run.head,
        "labels": list(run.labels), "metric": run.metric,
        "encoder": domain.onnx_encoder_config(preprocessor, max_length),
        "inputs": [{"name": n, "dynamic_axes": {str(a): d for a, d in spec.items()}}
                   for n, spec in axes.items()],
        "graph": graph, "session": SESSION}
    fp32_model = OnnxModel.open(tmp, record, domain, head)
    parity = _parity(fp32_model, inputs, reference, traced)
    if not _fp32_ok(parity):
        raise ExportError(f"ONNX Runtime does not match PyTorch: max |logit difference| "
                          f"{parity['max_abs_diff']:.3g} (at most {FP32_TOLERANCE}), same argmax: "
                          f"{parity['same_argmax']}; nothing was written")
    record["parity"] = {"fp32": parity, "tolerance": FP32_TOLERANCE}
    metric = run.metric
    fp32_rows = fp32_model.logits(inputs)
    fp32_metric = fp32_model.evaluate(examples, fp32_rows)[metric]
    torch_metric = head.metrics(stack_rows([r.numpy() for r in reference]),
                                head.label_array(fp32_model.word_labels(examples)))[metric]
    record["validation"] = {"metric": metric, "torch": torch_metric, "onnx_fp32": fp32_metric,
                            "examples": len(examples), "source": gate.source}
    if quantize == "int8":
        record["int8"] = _int8(tmp, record, domain, head, examples, fp32_rows, ranking, metric,
                               fp32_metric, int8_tolerance)
    _weights_beside(tmp / MODEL, WEIGHTS)
    if (tmp / QUANTIZED).is_file():
        _weights_beside(tmp / QUANTIZED, QUANTIZED_WEIGHTS)
    record["versions"] = _versions()
    record["files"] = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
    (tmp / RECORD).write_text(json.dumps(record, indent=2) + "\n")
    return record


def _weights_beside(path: Path, location: str) -> None:
    """Move a graph's weights into ``location`` beside it (``model.onnx_data``: the layout
    transformers.js and Optimum read too): ONNX Runtime then maps them instead of holding the
    protobuf and its own copy at once, so a process serving the export needs about half the
    memory."""
    import onnx

    model = onnx.load(str(path))  # inside the export's build folder, renamed into place whole
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=location, size_threshold=1024)
    (path.parent / location).chmod(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _install(run_dir: Path, work: Path, record: dict[str, Any], code: str) -> None:
    """Rename the built folder into place (an older export replaced whole), then give the
    model card its Deployment section with the domain's loading ``code``. If either step
    fails, the older export is put back (the card, written atomically, is as it was)."""
    from zoo.integrity import write_atomic
    from zoo.rundir.card import with_deployment

    card, final, build = run_dir / "README.md", run_dir / EXPORT_DIR, work / EXPORT_DIR
    text = with_deployment(card.read_text() if card.is_file() else "", record, code)
    had = os.path.lexists(final)
    placed = False
    try:
        if had:
            os.replace(final, work / PREVIOUS)
        os.replace(build, final)
        placed = True
        write_atomic(card, text)
    except BaseException as exc:
        if placed:
            os.replace(final, build)
        if had and os.path.lexists(work / PREVIOUS):
            os.replace(work / PREVIOUS, final)
        if isinstance(exc, OSError):
            raise ZooError(f"cannot put the export in place in {run_dir} ({exc}); the run is as "
                           "it was") from exc
        raise
