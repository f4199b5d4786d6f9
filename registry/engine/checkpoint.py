"""Resumable checkpoints: one file, replaced atomically, so a crash leaves the last good one.

Only the tensors training changes are stored (a frozen backbone is reloaded from its
snapshot), together with the optimizer, the schedule, every random generator augmentation and
dropout draw from, and the loop's position, which is what makes a resumed run end exactly
where an uninterrupted one would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.integrity import atomic_target

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"


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


def trainable_state(model: Any) -> dict[str, Any]:
    """Copies of the tensors that training changes: the parameters that train, and every
    buffer, since batch norm's running statistics move in training mode even where the
    weights are frozen (LoRA's base; the rest comes from the snapshot)."""
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    names.update(n for n, _ in model.named_buffers())
    return {k: v.detach().clone() for k, v in model.state_dict().items() if k in names}


def atomic_save(obj: Any, path: Path) -> None:
    import torch

    with atomic_target(path) as tmp:
        torch.save(obj, tmp)


def rng_state() -> dict[str, Any]:
    """The state of every generator a training step draws from: torch (dropout, flips),
    Python's ``random`` (timm's random crops) and numpy's."""
    import random

    import numpy
    import torch

    return {"torch": torch.get_rng_state(), "python": random.getstate(),
            "numpy": numpy.random.get_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    import random

    import numpy
    import torch

    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    numpy.random.set_state(state["numpy"])


def save_checkpoint(workdir: Path, model: Any, optimizer: Any, scheduler: Any,
                    state: LoopState, average: Any = None) -> None:
    """``average``: the run's ``WeightAverage`` when ``--ema`` is on."""
    atomic_save({"model": trainable_state(model), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "rng": rng_state(),
                 "average": average.state_dict() if average is not None else None,
                 "state": state.__dict__}, workdir / CHECKPOINT)


def load_checkpoint(workdir: Path, model: Any, optimizer: Any, scheduler: Any,
                    average: Any = None) -> LoopState | None:
    """Restore the last checkpoint into the given objects; None when there is none."""
    import torch

    path = workdir / CHECKPOINT
    if not path.is_file():
        return None
    saved = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(saved["model"], strict=False)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    set_rng_state(saved["rng"])
    if average is not None and saved.get("average") is not None:
        average.load_state_dict(saved["average"])
    return LoopState(**saved["state"])
