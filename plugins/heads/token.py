"""Token classification: one label per word (NER, tagging); only first sub-tokens count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.components import Head

from .arrays import as_array, cross_entropy, softmax
from .classification import macro_f1

#: Positions that carry no label (padding, special and continuation sub-tokens).
IGNORE = -100


class TokenClassificationHead(Head):
    name = "token-classification"
    description = "Token classification: a label per word (cross-entropy on first sub-tokens)"
    label_kind = "token"
    output_kind = "token"
    problem_type = None
    default_metric = "accuracy"
    metric_names = ("accuracy", "f1")

    def label_array(self, labels: Sequence[Any]) -> Any:
        import numpy as np

        width = max((len(x) for x in labels), default=0)
        out = np.full((len(labels), width), IGNORE, dtype=np.int64)
        for i, row in enumerate(labels):
            out[i, :len(row)] = list(row)
        return out

    def label_tensor(self, labels: Sequence[Any]) -> Any:
        import torch

        return torch.from_numpy(self.label_array(labels))

    def loss(self, logits: Any, labels: Any) -> Any:
        import torch.nn.functional as F

        return F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=IGNORE)

    def array_loss(self, logits: Any, labels: Any) -> float:
        logits = as_array(logits)
        return cross_entropy(logits.reshape(-1, logits.shape[-1]), as_array(labels).reshape(-1),
                             ignore=IGNORE)

    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        logits, labels = as_array(logits), as_array(labels)
        keep = labels != IGNORE
        pred, gold = logits.argmax(-1)[keep], labels[keep]
        acc = float((pred == gold).mean()) if len(gold) else 0.0
        return {"accuracy": acc, "f1": macro_f1(pred, gold, logits.shape[-1])}

    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        probs = softmax(logits)
        score, index = probs.max(-1), probs.argmax(-1)
        return [{"label": [labels[int(i)] for i in idx], "score": [round(float(s), 6) for s in sc]}
                for sc, idx in zip(score, index)]
