"""Logits and labels as numpy arrays, so that a head's metrics and predictions are one piece of
code for both backends: torch (tensors from the engine and ``zoo predict``) and ONNX Runtime
(numpy arrays, in a process without torch)."""

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
