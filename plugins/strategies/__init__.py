"""Builtin plugin: the adaptation strategies full, freeze and lora."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from .freeze import FreezeConfig, FreezeStrategy
from .full import FullConfig, FullStrategy
from .lora import LoraConfig, LoraStrategy

__all__ = ["FreezeConfig", "FreezeStrategy", "FullConfig", "FullStrategy", "LoraConfig",
           "LoraStrategy"]


@hookimpl
def register_strategies(register: Callable[[Any], None]) -> None:
    for strategy in (FullStrategy(), FreezeStrategy(), LoraStrategy()):
        register(strategy)
