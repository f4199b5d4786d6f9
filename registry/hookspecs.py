"""Every hook a zoo plugin can implement, in one place.

Hooks use the callback style: zoo calls each implementation with a ``register`` function
and the plugin calls it once per thing it contributes. The core owns the registries, so it
validates each registration and names the offending plugin in every error.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("zoo")
hookimpl = pluggy.HookimplMarker("zoo")


@hookspec
def register_domains(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Domain` objects: how to load a backbone and prepare its inputs."""


@hookspec
def register_backbones(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Backbone` catalog entries contributed by code, beside zoo.toml."""


@hookspec
def register_heads(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Head` objects: the task heads put on a backbone."""


@hookspec
def register_strategies(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Strategy` objects: how a backbone plus head is adapted."""


@hookspec
def register_tasks(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Task` catalog entries: head, labels, metric and default dataset."""


@hookspec
def register_datasets(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Dataset` catalog entries: where data lives and how to read it."""


@hookspec
def register_readers(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Reader` objects: file formats a dataset entry or ``--data`` names."""


@hookspec
def register_sources(register: Callable[[Any], None]) -> None:
    """Register :class:`zoo.Source` objects: places files can be fetched from."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add click commands to the ``zoo`` command group passed as ``cli``."""


#: The registration hooks, in the order the registries are filled. ``register_commands``
#: is called separately, only when the CLI is built.
REGISTRATION_HOOKS = (
    "register_sources",
    "register_domains",
    "register_readers",
    "register_heads",
    "register_strategies",
    "register_datasets",
    "register_tasks",
    "register_backbones",
)
