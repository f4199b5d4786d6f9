"""Regression: one real value per input, mean squared error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.components import Head


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

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.tensor([float(x) for x in labels], dtype=torch.float32)

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        return F.mse_loss(logits.float().squeeze(-1), labels)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        import torch

        pred = logits.float().squeeze(-1)
        err = pred - labels
        both = torch.stack([pred, labels])
        r = float(torch.corrcoef(both)[0, 1]) if len(labels) > 1 else 0.0
        return {"mse": float((err ** 2).mean()), "mae": float(err.abs().mean()),
                "pearson": 0.0 if r != r else r}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        return [{"label": labels[0] if labels else "value", "score": round(float(v), 6)}
                for v in logits.float().squeeze(-1)]
