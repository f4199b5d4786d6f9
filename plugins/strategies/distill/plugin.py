"""Registers the ``distill`` strategy through the same hook a third-party plugin uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from .strategy import DistillStrategy


@hookimpl
def register_strategies(register: Callable[[Any], None]) -> None:
    register(DistillStrategy())
