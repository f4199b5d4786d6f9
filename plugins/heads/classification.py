"""Single-label classification: one softmax over the task's labels per input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zoo.components import Head

from .arrays import as_array, cross_entropy, softmax


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


@dataclass(frozen=True)
class SoftTargets:
    """A batch's labels with how sure the data is of each (``Example.confidence``).

    The loss turns them into probabilities: the confidence on the row's label, the rest
    shared by the others. Cross-entropy against those stops pushing a logit once it matches
    how sure the data is, so a sentence the raters barely leaned on pulls less than a clear
    one. The number of classes comes from the logits, which the loss has and a batch does not.
    """

    index: Any
    confidence: Any

    def to(self, device: Any) -> SoftTargets:
        return SoftTargets(self.index.to(device), self.confidence.to(device))

    def probabilities(self, n: int) -> Any:
        import torch

        one_hot = torch.nn.functional.one_hot(self.index, n).float()
        sure = self.confidence.unsqueeze(-1)
        return one_hot * sure + (1 - one_hot) * (1 - sure) / max(n - 1, 1)


class ClassificationHead(Head):
    name = "classification"
    description = "Single-label classification (softmax, cross-entropy); accuracy and macro-averaged F1"
    label_kind = "single"
    output_kind = "sequence"
    problem_type = "single_label_classification"
    default_metric = "accuracy"
    metric_names = ("accuracy", "f1")

    def label_array(self, labels: Sequence[Any]) -> Any:
        import numpy as np

        return np.asarray(list(labels), dtype=np.int64).reshape(len(labels))

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.from_numpy(self.label_array(labels))

    def soft_label_tensor(self, labels: Sequence[Any], confidence: Sequence[float]) -> Any:
        import torch

        return SoftTargets(self.label_tensor(labels),
                           torch.tensor(list(confidence), dtype=torch.float32))

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        if isinstance(labels, SoftTargets):
            return F.cross_entropy(logits.float(), labels.probabilities(logits.shape[-1]))
        return F.cross_entropy(logits.float(), labels)

    def array_loss(self, logits: Any, labels: Any) -> float:
        return cross_entropy(logits, labels)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        logits, labels = as_array(logits), as_array(labels)
        pred = logits.argmax(-1)
        return {"accuracy": float((pred == labels).mean()) if len(labels) else 0.0,
                "f1": macro_f1(pred, labels, logits.shape[-1])}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        probs = softmax(logits)
        return [{"label": labels[int(i)], "score": round(float(row[i]), 6)}
                for row, i in zip(probs, probs.argmax(-1))]
