"""Multi-label classification: an independent sigmoid per label (multi-hot targets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.components import Head

from .arrays import as_array, binary_cross_entropy_with_logits, sigmoid


class MultiLabelHead(Head):
    name = "multilabel"
    description = "Multi-label classification (sigmoid per label, BCE); F1 (micro-averaged over labels) and exact match"
    label_kind = "multi"
    output_kind = "sequence"
    problem_type = "multi_label_classification"
    default_metric = "f1"
    metric_names = ("f1", "exact_match")
    threshold = 0.5

    def label_array(self, labels: Sequence[Any]) -> Any:
        import numpy as np

        return np.asarray([list(x) for x in labels], dtype=np.float32)

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.from_numpy(self.label_array(labels))

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        return F.binary_cross_entropy_with_logits(logits.float(), labels)

    def array_loss(self, logits: Any, labels: Any) -> float:
        return binary_cross_entropy_with_logits(logits, labels)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        labels = as_array(labels).astype("float32")
        pred = (sigmoid(logits) >= self.threshold).astype("float32")
        tp = float((pred * labels).sum())
        fp = float((pred * (1 - labels)).sum())
        fn = float(((1 - pred) * labels).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        exact = float((pred == labels).all(-1).mean()) if len(labels) else 0.0
        return {"f1": f1, "exact_match": exact}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        probs = sigmoid(logits)
        out = []
        for row in probs:
            chosen = [(labels[i], float(p)) for i, p in enumerate(row) if p >= self.threshold]
            out.append({"label": [n for n, _ in chosen],
                        "score": [round(p, 6) for _, p in chosen]})
        return out
