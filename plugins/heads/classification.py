"""Single-label classification: one softmax over the task's labels per input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.components import Head


def macro_f1(pred: Any, gold: Any, n: int) -> float:
    """Unweighted mean of per-class F1 over the classes that occur in gold or predictions."""
    scores = []
    for c in range(n):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


class ClassificationHead(Head):
    name = "classification"
    description = "Single-label classification (softmax, cross-entropy); accuracy and macro-averaged F1"
    label_kind = "single"
    output_kind = "sequence"
    problem_type = "single_label_classification"
    default_metric = "accuracy"
    metric_names = ("accuracy", "f1")

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.tensor(list(labels), dtype=torch.long)

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        return F.cross_entropy(logits.float(), labels)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        pred = logits.argmax(-1)
        return {"accuracy": float((pred == labels).float().mean()) if len(labels) else 0.0,
                "f1": macro_f1(pred, labels, logits.shape[-1])}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        probs = logits.float().softmax(-1)
        score, index = probs.max(-1)
        return [{"label": labels[int(i)], "score": round(float(s), 6)}
                for s, i in zip(score, index)]
