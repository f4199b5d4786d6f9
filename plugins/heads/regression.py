"""Regression: one real value per input, mean squared error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.components import Head

from .arrays import as_array, mse


class RegressionHead(Head):
    name = "regression"
    description = "Regression (one output, MSE); reports mse, mae and Pearson r"
    label_kind = "regression"
    output_kind = "sequence"
    problem_type = "regression"
    default_metric = "mse"
    metric_names = ("mse", "mae", "pearson")
    lower_is_better = frozenset({"loss", "mse", "mae"})

    def num_outputs(self, labels: Sequence[str]) -> int:
        return 1

    def label_array(self, labels: Sequence[Any]) -> Any:
        import numpy as np

        return np.asarray([float(x) for x in labels], dtype=np.float32)

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.from_numpy(self.label_array(labels))

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        return F.mse_loss(logits.float().squeeze(-1), labels)

    def array_loss(self, logits: Any, labels: Any) -> float:
        return mse(as_array(logits).squeeze(-1), labels)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        import numpy as np

        pred = as_array(logits).astype(np.float32).reshape(len(labels))
        labels = as_array(labels).astype(np.float32)
        err = pred - labels
        with np.errstate(invalid="ignore", divide="ignore"):
            r = float(np.corrcoef(pred, labels)[0, 1]) if len(labels) > 1 else 0.0
        return {"mse": float((err ** 2).mean()), "mae": float(np.abs(err).mean()),
                "pearson": 0.0 if r != r else r}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        return [{"label": labels[0] if labels else "value", "score": round(float(v), 6)}
                for v in as_array(logits).astype("float32").reshape(-1)]
