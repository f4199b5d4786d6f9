"""Per-class precision, recall, F1 and the confusion matrix of a single-label classifier:
what a mean accuracy hides (a class the model never predicts, two it confuses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def class_report(logits: Any, labels: Any, names: Sequence[str]) -> dict[str, Any]:
    """``per_class`` (name -> precision, recall, f1, support) and ``confusion`` (rows: the
    true class, columns: the predicted one, both in ``names`` order). ``logits`` and
    ``labels`` are torch tensors or numpy arrays; a class never predicted has precision 0."""
    import numpy as np

    pred = np.asarray(logits, dtype=np.float64).argmax(-1).reshape(-1)
    gold = np.asarray(labels, dtype=np.int64).reshape(-1)
    n = len(names)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (gold, pred), 1)
    per_class = {}
    for c, name in enumerate(names):
        tp = int(matrix[c, c])
        predicted, support = int(matrix[:, c].sum()), int(matrix[c].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * tp / (predicted + support) if predicted + support else 0.0
        per_class[name] = {"precision": round(precision, 6), "recall": round(recall, 6),
                           "f1": round(f1, 6), "support": support}
    return {"per_class": per_class,
            "confusion": {"labels": list(names), "matrix": matrix.tolist()}}


def has_class_report(head: Any) -> bool:
    """Whether a head's runs get a per-class report: one label per input out of a list."""
    return getattr(head, "label_kind", None) == "single"
