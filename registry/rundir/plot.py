"""The training and validation curves as a PNG, for the model card and a quick look."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_curves(history: list[dict[str, Any]], metric: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    left.plot(epochs, [h["validation"].get("loss", float("nan")) for h in history], "o-",
              label="validation")
    left.set(title="loss", xlabel="epoch")
    left.legend()
    right.plot(epochs, [h["validation"].get(metric, float("nan")) for h in history], "o-")
    right.set(title=f"validation {metric}", xlabel="epoch")
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    tmp.replace(path)
