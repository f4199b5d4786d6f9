"""zoo-vision's plugin module (entry point ``vision`` in group ``zoo``): only zoo's public hooks.

Importing it must stay cheap, because ``zoo list`` imports every plugin: no torch, timm or
torchvision here. It does arm the torchvision repair, which imports nothing until something
(timm, transformers) first imports torchvision.
"""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from . import torchvision_guard
from .domain import VisionDomain
from .entries import BACKBONES, DATASETS, TASKS
from .readers import READERS

torchvision_guard.install()

Register = Callable[[Any], None]


@hookimpl
def register_domains(register: Register) -> None:
    register(VisionDomain())


@hookimpl
def register_readers(register: Register) -> None:
    for reader in READERS:
        register(reader)


@hookimpl
def register_backbones(register: Register) -> None:
    for entry in BACKBONES:
        register(entry)


@hookimpl
def register_datasets(register: Register) -> None:
    for entry in DATASETS:
        register(entry)


@hookimpl
def register_tasks(register: Register) -> None:
    for entry in TASKS:
        register(entry)
