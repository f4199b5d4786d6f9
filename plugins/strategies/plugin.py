"""The builtin plugin of the strategies full, freeze, lora and fewshot, through the hook a third party uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl
from zoo.plugins.strategies.fewshot import FewShotStrategy
from zoo.plugins.strategies.freeze import FreezeConfig, FreezeStrategy
from zoo.plugins.strategies.full import FullConfig, FullStrategy
from zoo.plugins.strategies.lora import LoraConfig, LoraStrategy


@hookimpl
def register_strategies(register: Callable[[Any], None]) -> None:
    for strategy in (FullStrategy(), FreezeStrategy(), LoraStrategy(), FewShotStrategy()):
        register(strategy)
