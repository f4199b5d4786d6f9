"""Logits and labels as numpy arrays, so that a head's metrics and predictions are one piece of
code for both backends: torch (tensors from the engine and ``zoo predict``) and ONNX Runtime
(numpy arrays, in a process without torch). The losses here are torch's (mean reduction), for
``zoo eval --backend onnx``."""

from __future__ import annotations

from typing import Any


def as_array(values: Any) -> Any:
    """A numpy array of ``values``: a torch tensor (any device; bf16 read as float32), an array
    or nested lists."""
    import numpy as np

    if hasattr(values, "detach"):  # a torch tensor, recognised without importing torch
        values = values.detach().cpu()
        if values.is_floating_point():
            values = values.float()
        values = values.numpy()
    return np.asarray(values)


def softmax(logits: Any) -> Any:
    import numpy as np

    x = as_array(logits).astype(np.float32)
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sigmoid(logits: Any) -> Any:
    import numpy as np

    x = as_array(logits).astype(np.float32)
    return 1.0 / (1.0 + np.exp(-x))


def cross_entropy(logits: Any, labels: Any, ignore: int | None = None) -> float:
    """``torch.nn.functional.cross_entropy``: logits ``(n, classes)``, class indices ``(n,)``;
    rows labelled ``ignore`` left out of the mean (NaN when every row is)."""
    import numpy as np

    x = as_array(logits).astype(np.float64)
    y = as_array(labels).astype(np.int64)
    if ignore is not None:
        x, y = x[y != ignore], y[y != ignore]
    if not len(y):
        return float("nan")
    top = x.max(-1, keepdims=True)
    log_probs = x - top - np.log(np.exp(x - top).sum(-1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> float:
    """``torch.nn.functional.binary_cross_entropy_with_logits``, in its stable form."""
    import numpy as np

    x = as_array(logits).astype(np.float64)
    t = as_array(targets).astype(np.float64)
    return float((np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))).mean())


def mse(predictions: Any, targets: Any) -> float:
    """``torch.nn.functional.mse_loss``."""
    import numpy as np

    err = as_array(predictions).astype(np.float64) - as_array(targets).astype(np.float64)
    return float((err ** 2).mean())
