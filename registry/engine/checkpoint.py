"""Resumable checkpoints: one file, replaced atomically, so a crash leaves the last good one.

Only the tensors training changes are stored (a frozen backbone is reloaded from its
snapshot), together with the optimizer, the schedule, every random generator augmentation and
dropout draw from, and the loop's position, which is what makes a resumed run end exactly
where an uninterrupted one would.

The work directory is outside the code (``--resume`` reads whatever it holds), so nothing
read back from it is unpickled: checkpoints and the best weights are safetensors files whose
non-tensor state is JSON in the header's metadata, and the feature cache is loaded with
``weights_only=True``.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.errors import UsageError
from zoo.integrity import atomic_target

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
#: The metadata key holding a saved tree's JSON, tensors replaced by references.
_TREE = "zoo"
_TENSOR, _ITEMS = "__tensor__", "__items__"


@dataclass
class LoopState:
    """Where the loop is; everything here goes into the checkpoint."""

    epoch: int = 0
    batch: int = 0
    step: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best_metric: float | None = None
    best_epoch: int = -1
    bad_epochs: int = 0
    epoch_loss: float = 0.0
    epoch_batches: int = 0
    examples: int = 0
    train_seconds: float = 0.0
    stopped_early: bool = False
    #: One entry per optimizer step (step, loss, lr, grad_norm): the per-step curve.
    log: list[dict[str, float]] = field(default_factory=list)
    #: Time the trackers (--report-to) took, part of train_seconds.
    tracker_seconds: float = 0.0


def trainable_state(model: Any) -> dict[str, Any]:
    """Copies of the tensors that training changes: the parameters that train, and every
    buffer, since batch norm's running statistics move in training mode even where the
    weights are frozen (LoRA's base; the rest comes from the snapshot)."""
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    names.update(n for n, _ in model.named_buffers())
    return {k: v.detach().clone() for k, v in model.state_dict().items() if k in names}


def _split(value: Any, tensors: dict[str, Any]) -> Any:
    """``value`` as JSON, each tensor moved into ``tensors`` and left as a reference; dicts
    keyed by ints (an optimizer's state) become lists of pairs, tuples become lists."""
    import torch

    if isinstance(value, torch.Tensor):
        name = f"t{len(tensors)}"
        tensors[name] = value.detach().cpu().contiguous()
        return {_TENSOR: name}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _split(v, tensors) for k, v in value.items()}
        return {_ITEMS: [[k, _split(v, tensors)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_split(v, tensors) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a checkpoint holds tensors and plain values, not {type(value).__name__}")


def _join(value: Any, tensors: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {_TENSOR}:
            return tensors[value[_TENSOR]]
        if set(value) == {_ITEMS}:
            return {k: _join(v, tensors) for k, v in value[_ITEMS]}
        return {k: _join(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [_join(v, tensors) for v in value]
    return value


def save_tree(tree: Any, path: Path) -> None:
    """Write ``tree`` (nested dicts and lists of tensors and plain values) as one safetensors
    file beside ``path`` and rename it into place."""
    from safetensors.torch import save_file

    tensors: dict[str, Any] = {}
    metadata = {_TREE: json.dumps(_split(tree, tensors))}
    with atomic_target(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)


def _unreadable(path: Path, reason: str) -> UsageError:
    return UsageError(f"cannot read {path}: {reason}, not a file zoo wrote; remove the run's "
                      f".partial directory to start over")


def load_tree(path: Path) -> Any:
    """What :func:`save_tree` wrote; a file it did not write is refused with one line."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            tensors = {name: f.get_tensor(name) for name in f.keys()}
            text = (f.metadata() or {}).get(_TREE)
        if text is None:
            raise ValueError(f"no {_TREE!r} metadata")
        return _join(json.loads(text), tensors)
    except (SafetensorError, OSError, ValueError, KeyError, TypeError) as exc:
        raise _unreadable(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def save_tensors(obj: Any, path: Path) -> None:
    """``torch.save`` beside ``path``, renamed into place: for what :func:`load_tensors` reads."""
    import torch

    with atomic_target(path) as tmp:
        torch.save(obj, tmp)


def load_tensors(path: Path) -> Any:
    """A ``torch.save`` file of tensors and plain values (``weights_only=True``: nothing in it
    runs); anything else is refused with one line."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise _unreadable(path, "it holds objects other than tensors and plain values") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise _unreadable(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def rng_state() -> dict[str, Any]:
    """The state of every generator a training step draws from: torch (dropout, flips),
    Python's ``random`` (timm's random crops) and numpy's, as tensors and plain values."""
    import random

    import numpy
    import torch

    legacy = numpy.random.get_state(legacy=True)
    assert isinstance(legacy, tuple)  # the legacy form is always the 5-tuple
    kind, key, pos, has_gauss, gauss = legacy
    return {"torch": torch.get_rng_state(), "python": random.getstate(),
            "numpy": [str(kind), key.tolist(), int(pos), int(has_gauss), float(gauss)]}


def set_rng_state(state: dict[str, Any]) -> None:
    import random

    import numpy
    import torch

    torch.set_rng_state(state["torch"])
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    kind, key, pos, has_gauss, gauss = state["numpy"]
    numpy.random.set_state((kind, numpy.asarray(key, dtype=numpy.uint32), pos, has_gauss, gauss))


def save_checkpoint(workdir: Path, model: Any, optimizer: Any, scheduler: Any,
                    state: LoopState, average: Any = None) -> None:
    """``average``: the run's ``WeightAverage`` when ``--ema`` is on."""
    save_tree({"model": trainable_state(model), "optimizer": optimizer.state_dict(),
               "scheduler": scheduler.state_dict(), "rng": rng_state(),
               "average": average.state_dict() if average is not None else None,
               "state": state.__dict__}, workdir / CHECKPOINT)


def load_checkpoint(workdir: Path, model: Any, optimizer: Any, scheduler: Any,
                    average: Any = None) -> LoopState | None:
    """Restore the last checkpoint into the given objects; None when there is none."""
    saved = read_checkpoint(workdir)
    return None if saved is None else apply_checkpoint(saved, workdir, model, optimizer,
                                                       scheduler, average)


def read_checkpoint(workdir: Path) -> Any:
    """The last checkpoint's tree, None when there is none (the main process reads it and
    hands it to the others: another machine has no copy of the file)."""
    path = workdir / CHECKPOINT
    return load_tree(path) if path.is_file() else None


def apply_checkpoint(saved: Any, workdir: Path, model: Any, optimizer: Any, scheduler: Any,
                     average: Any = None) -> LoopState:
    """Restore what :func:`read_checkpoint` returned into the given objects."""
    path = workdir / CHECKPOINT
    try:
        state = LoopState(**saved["state"])
    except (KeyError, TypeError) as exc:
        raise _unreadable(path, f"its loop state does not fit ({exc})") from None
    model.load_state_dict(saved["model"], strict=False)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    set_rng_state(saved["rng"])
    if average is not None and saved.get("average") is not None:
        average.load_state_dict(saved["average"])
    return state
