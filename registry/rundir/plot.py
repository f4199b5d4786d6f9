"""The run's figures as PNGs, for the model card and a quick look: the training loss per
step beside the per-epoch validation curve, and a classifier's confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def smoothed(values: Sequence[float], weight: float = 0.9) -> list[float]:
    """An exponential moving average with TensorBoard's bias correction, so the first
    points are not pulled towards zero."""
    out, average = [], 0.0
    for i, v in enumerate(values, 1):
        average = weight * average + (1 - weight) * v
        out.append(average / (1 - weight ** i))
    return out


def _save(fig: Any, path: Path) -> None:
    from matplotlib import pyplot as plt

    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    tmp.replace(path)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def plot_curves(history: list[dict[str, Any]], metric: str, path: Path,
                steps: Sequence[dict[str, float]] = ()) -> None:
    """Left: the training loss per optimizer step (faint) and smoothed, with the validation
    loss at each epoch's last step; right: the validation metric per epoch."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    if steps:
        x, loss = [s["step"] for s in steps], [s["loss"] for s in steps]
        left.plot(x, loss, color="C0", alpha=0.25, linewidth=0.8)
        left.plot(x, smoothed(loss), color="C0", label="train (smoothed)")
    else:
        left.plot([h["step"] for h in history], [h["train_loss"] for h in history], "o-",
                  color="C0", label="train")
    left.plot([h["step"] for h in history],
              [h["validation"].get("loss", float("nan")) for h in history], "o-", color="C1",
              label="validation")
    left.set(title="loss", xlabel="step")
    left.legend()
    epochs = [h["epoch"] for h in history]
    right.plot(epochs, [h["validation"].get(metric, float("nan")) for h in history], "o-")
    right.set(title=f"validation {metric}", xlabel="epoch")
    fig.tight_layout()
    _save(fig, path)


def plot_confusion(confusion: dict[str, Any], path: Path) -> None:
    """The confusion matrix (metrics.json's ``confusion``): true class down, predicted
    across, each cell its count."""
    plt = _pyplot()
    names, matrix = confusion["labels"], confusion["matrix"]
    size = max(3.5, 0.5 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted", ylabel="true", title="test confusion")
    top = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center",
                    color="white" if count > top / 2 else "black")
    fig.tight_layout()
    _save(fig, path)
