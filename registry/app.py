"""The assembled zoo: plugins loaded, every registry filled, user catalogs overlaid.

Order matters and is fixed: plugins register (builtins first, then entry points), then the
user's catalog files add and override entries field by field. Nothing here imports torch.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from zoo import hookspecs
from zoo.catalog import (ENTRY_TYPES, Backbone, Dataset, Entry, Task, Where, builtin_catalog_path,
                      entry_from_mapping, read_catalog_file)
from zoo.components import Domain, Head, Reader, Source, Strategy
from zoo.errors import CatalogError, NotFoundError, PluginError
from zoo.plugin_host import PluginHost, PluginInfo
from zoo.registries import Registry

#: The builtin plugins, loaded before any entry point and through the same hooks.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "zoo.plugins.catalog",
    "zoo.plugins.sources.hub",
    "zoo.plugins.sources.local",
    "zoo.plugins.sources.pypi",
    "zoo.plugins.readers.plugin",
    "zoo.plugins.datasets",
    "zoo.plugins.text.plugin",
    "zoo.plugins.heads.plugin",
    "zoo.plugins.strategies.plugin",
    "zoo.plugins.strategies.distill.plugin",
)

USER_CATALOG_ENV = "ZOO_CATALOG"
TABLE_OF_KIND = {cls.kind: table for table, cls in ENTRY_TYPES.items()}


class Zoo:
    """Every registry, and the plugins that filled them."""

    def __init__(self, cwd: Path | None = None) -> None:
        self.sources: Registry[Source] = Registry("source", Source)
        self.domains: Registry[Domain] = Registry("domain", Domain)
        self.readers: Registry[Reader] = Registry("reader", Reader)
        self.heads: Registry[Head] = Registry("head", Head)
        self.strategies: Registry[Strategy] = Registry("strategy", Strategy)
        self.datasets: Registry[Dataset] = Registry("dataset", Dataset)
        self.tasks: Registry[Task] = Registry("task", Task)
        self.backbones: Registry[Backbone] = Registry("backbone", Backbone)
        self.host = PluginHost(BUILTIN_PLUGINS)
        self._fill_from_plugins()
        self.user_catalogs = user_catalog_paths(cwd)
        for path in self.user_catalogs:
            self.overlay(path)

    # -- plugins -------------------------------------------------------------------------
    @property
    def plugins(self) -> list[PluginInfo]:
        return list(self.host.infos.values())

    def registry_for_hook(self, hook: str) -> Registry[Any]:
        return getattr(self, hook.removeprefix("register_"))

    def _fill_from_plugins(self) -> None:
        made: dict[str, list[tuple[Registry[Any], str]]] = defaultdict(list)

        def take_back(plugin: str) -> None:
            for registry, name in made.pop(plugin, []):
                registry.unregister(name)

        for hook in hookspecs.REGISTRATION_HOOKS:
            registry = self.registry_for_hook(hook)

            def make_args(plugin: str, registry: Registry[Any] = registry) -> dict[str, Any]:
                def register(item: Any) -> None:
                    if isinstance(item, Entry):
                        item = _checked_entry(item, plugin, self.sources)
                    registry.register(item, plugin)
                    made[plugin].append((registry, item.name))
                return {"register": register}

            self.host.call_each(hook, make_args, on_fail=take_back)

    # -- catalog -------------------------------------------------------------------------
    def entry_registries(self) -> list[Registry[Any]]:
        return [self.backbones, self.tasks, self.datasets]

    def overlay(self, path: Path) -> None:
        """Add and override entries from a user's zoo.toml; an override may give only some fields."""
        for table, name, data, where in read_catalog_file(path):
            registry = getattr(self, table)
            if name in registry:
                base = registry.get(name).to_dict()
                base.pop("name"), base.pop("origin")
                data = {**base, **data}
            entry = entry_from_mapping(table, name, data, where)
            _check_sources(entry, where, self.sources)
            registry.register(entry, f"user catalog {path}", override=True)

    def find(self, name: str) -> list[tuple[Entry, str]]:
        """Every catalog entry called ``name`` (a backbone, task or dataset) with its provider."""
        hits = [(r.get(name), r.provider(name)) for r in self.entry_registries() if name in r]
        if not hits:
            known = {n for r in self.entry_registries() for n in r.names()}
            raise NotFoundError("catalog entry", name, known)
        return hits


def _check_sources(entry: Entry, where: Where, sources: Registry[Source]) -> None:
    """Have each source check its own parameters as the entry is read (``Source.check``), so a
    catalog naming a path that leaves the cache fails before anything is fetched."""
    for spec in getattr(entry, "sources", ()):
        if spec.type in sources and (problem := sources.get(spec.type).check(spec)):
            raise where.error(TABLE_OF_KIND[entry.kind], entry.name, "sources",
                              f"{spec.type} source: {problem}")


def _checked_entry(entry: Entry, plugin: str, sources: Registry[Source]) -> Entry:
    """Validate a plugin's entry exactly as a zoo.toml entry would be, and stamp its origin."""
    data = entry.to_dict()
    name = data.pop("name")
    data.pop("origin")
    defaults = {f.name: f.default for f in dataclasses.fields(entry)  # type: ignore[arg-type]
                if f.default is not dataclasses.MISSING}
    data = {k: v for k, v in data.items() if not (k in defaults and v == defaults[k])}
    data = {k: v for k, v in data.items() if v not in ([], {}, ())}
    where = Where(entry.origin or f"plugin {plugin}")
    try:
        checked = entry_from_mapping(TABLE_OF_KIND[entry.kind], name, data, where)
        _check_sources(checked, where, sources)
        return checked
    except CatalogError as exc:
        raise PluginError(str(exc)) from exc


def user_catalog_paths(cwd: Path | None = None) -> list[Path]:
    """The user's catalog files in the order they apply: ./zoo.toml, then ``ZOO_CATALOG``."""
    paths: list[Path] = []
    local = (cwd or Path.cwd()) / "zoo.toml"
    builtin = builtin_catalog_path()
    if local.is_file() and not (builtin.is_file() and local.resolve() == builtin.resolve()):
        paths.append(local)
    for raw in os.environ.get(USER_CATALOG_ENV, "").split(os.pathsep):
        if raw.strip():
            path = Path(raw.strip()).expanduser()
            if not path.is_file():
                raise CatalogError(f"{USER_CATALOG_ENV} names {raw!r}, which is not a file")
            paths.append(path)
    return paths


_ZOO: Zoo | None = None


def get_zoo() -> Zoo:
    """The process-wide zoo, built on first use."""
    global _ZOO
    if _ZOO is None:
        _ZOO = Zoo()
    return _ZOO


def reset_zoo() -> None:
    """Forget the process-wide zoo, so the next ``get_zoo`` sees new plugins or catalogs."""
    global _ZOO
    _ZOO = None
