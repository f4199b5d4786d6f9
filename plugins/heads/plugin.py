"""The builtin plugin of the task heads, through the hook a third party uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl
from zoo.plugins.heads.classification import ClassificationHead
from zoo.plugins.heads.multilabel import MultiLabelHead
from zoo.plugins.heads.regression import RegressionHead
from zoo.plugins.heads.token import TokenClassificationHead


@hookimpl
def register_heads(register: Callable[[Any], None]) -> None:
    for head in (ClassificationHead(), MultiLabelHead(), RegressionHead(), TokenClassificationHead()):
        register(head)
