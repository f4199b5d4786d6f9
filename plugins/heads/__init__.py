"""Builtin plugin: the task heads (single-label, multi-label, regression, token labels)."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from .classification import ClassificationHead
from .multilabel import MultiLabelHead
from .regression import RegressionHead
from .token import TokenClassificationHead

__all__ = ["ClassificationHead", "MultiLabelHead", "RegressionHead", "TokenClassificationHead"]


@hookimpl
def register_heads(register: Callable[[Any], None]) -> None:
    for head in (ClassificationHead(), MultiLabelHead(), RegressionHead(), TokenClassificationHead()):
        register(head)
