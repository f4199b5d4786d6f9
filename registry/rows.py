"""Per-example output rows as one array, what a head's loss and metrics read.

Rows are torch tensors on the torch path and numpy arrays on ONNX Runtime's; per-word rows
differ in length and are padded with zeros, which the labels' IGNORE masks out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def stack_rows(rows: Sequence[Any]) -> Any:
    """``rows`` stacked along a new first axis, in the library they came in."""
    lib: Any
    if hasattr(rows[0], "detach"):
        import torch as lib
    else:
        import numpy as lib
    if rows[0].ndim == 1:
        return lib.stack(list(rows))
    width = max(r.shape[0] for r in rows)
    out = lib.zeros((len(rows), width, rows[0].shape[-1]), dtype=rows[0].dtype)
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r
    return out
