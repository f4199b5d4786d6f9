"""Builtin plugin: the entries of the zoo.toml shipped with zoo."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from zoo import hookimpl
from zoo.catalog import Entry, builtin_catalog_path, entry_from_mapping, read_catalog_file


@lru_cache(maxsize=1)
def builtin_entries() -> dict[str, tuple[Entry, ...]]:
    """Every entry of the builtin zoo.toml, by table; parsed once per process."""
    out: dict[str, list[Entry]] = {"backbones": [], "tasks": [], "datasets": []}
    for table, name, data, where in read_catalog_file(builtin_catalog_path()):
        out[table].append(entry_from_mapping(table, name, data, where))
    return {table: tuple(entries) for table, entries in out.items()}


def _register_all(table: str, register: Callable[[Any], None]) -> None:
    for entry in builtin_entries()[table]:
        register(entry)


@hookimpl
def register_backbones(register: Callable[[Any], None]) -> None:
    _register_all("backbones", register)


@hookimpl
def register_tasks(register: Callable[[Any], None]) -> None:
    _register_all("tasks", register)


@hookimpl
def register_datasets(register: Callable[[Any], None]) -> None:
    _register_all("datasets", register)
