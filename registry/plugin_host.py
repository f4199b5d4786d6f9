"""Finding, loading and calling plugins, each on its own.

llm regretted loading every plugin at once (one broken plugin broke every command), so each
entry point is imported, registered and called separately: a failure is reported as a
one-line warning naming the plugin and it is skipped, with everything it registered taken
back. ``ZOO_PLUGINS`` restricts which third-party plugins load; ``ZOO_STRICT_PLUGINS=1``
turns the warning into an error; ``ZOO_TRACE_PLUGINS=1`` prints every hook call to stderr.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any, Callable

import pluggy

from zoo import hookspecs
from zoo.errors import PluginError

ENTRY_POINT_GROUP = "zoo"


class PluginWarning(UserWarning):
    """A plugin was skipped because it failed; the message names it and its error."""


@dataclass
class PluginInfo:
    """What ``zoo plugins`` shows about one plugin."""

    name: str
    module: str
    version: str | None
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "version": self.version,
                "builtin": self.builtin, "hooks": self.hooks, "error": self.error}


def strict_mode() -> bool:
    return os.environ.get("ZOO_STRICT_PLUGINS", "").strip().lower() in ("1", "true", "yes", "on")


def trace_mode() -> bool:
    return os.environ.get("ZOO_TRACE_PLUGINS", "").strip().lower() in ("1", "true", "yes", "on")


def allowed_plugins() -> set[str] | None:
    """The names ``ZOO_PLUGINS`` allows (empty string: none), or None when it is unset."""
    raw = os.environ.get("ZOO_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _describe(exc: BaseException) -> str:
    """One line: pluggy's validation errors span several, and a warning must stay one."""
    text = " ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PluginHost:
    """A pluggy manager plus the bookkeeping that lets one plugin fail alone."""

    def __init__(self, builtins: tuple[str, ...]) -> None:
        self.pm = pluggy.PluginManager("zoo")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.strict = strict_mode()
        if trace_mode():
            self._trace()
        for module_name in builtins:
            self._add(module_name, functools.partial(importlib.import_module, module_name),
                      module_name, version=None, builtin=True)
        allowed = allowed_plugins()
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if allowed is not None and ep.name not in allowed:
                continue
            version = ep.dist.version if ep.dist is not None else None
            self._add(ep.name, ep.load, ep.value, version=version, builtin=False)

    def _add(self, name: str, load: Callable[[], Any], module: str, *, version: str | None,
             builtin: bool) -> None:
        info = PluginInfo(name=name, module=module, version=version, builtin=builtin)
        self.infos[name] = info
        if name in self.pm.list_name_plugin() and not builtin:
            self.fail(name, PluginError("another plugin already has this name"))
            return
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as exc:  # a plugin's import may raise anything
            self.fail(name, exc)
            return
        callers = self.pm.get_hookcallers(plugin) or []
        unknown = sorted(c.name for c in callers if not c.has_spec())
        if unknown:
            # pluggy accepts hooks it has no spec for; a typo would then silently do nothing.
            known = ", ".join(sorted(h for h in dir(hookspecs) if h.startswith("register_")))
            self.fail(name, PluginError(f"implements unknown hook(s) {', '.join(unknown)}; "
                                        f"zoo's hooks are: {known}"))
            return
        info.hooks = sorted(c.name for c in callers)

    def _trace(self) -> None:
        """One stderr line per hook call: which plugin answered and how long it took."""
        started: list[float] = []

        def before(hook_name: str, impls: Any, kwargs: Any) -> None:
            started.append(time.perf_counter())

        def after(outcome: Any, hook_name: str, impls: Any, kwargs: Any) -> None:
            ms = (time.perf_counter() - started.pop()) * 1000
            names = ", ".join(impl.plugin_name for impl in impls) or "no plugin"
            failed = " (raised)" if outcome.exception is not None else ""
            print(f"zoo trace: {hook_name} <- {names}: {ms:.1f} ms{failed}", file=sys.stderr)

        self.pm.add_hookcall_monitoring(before, after)

    def fail(self, name: str, exc: BaseException) -> None:
        """Skip plugin ``name``: record why, unregister it, and warn (or raise in strict mode)."""
        message = f"plugin {name!r} skipped: {_describe(exc)}"
        info = self.infos.get(name)
        if info is not None:
            info.error = _describe(exc)
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        if self.strict:
            raise PluginError(message + " (ZOO_STRICT_PLUGINS is set)") from exc
        warnings.warn(PluginWarning(message), stacklevel=2)

    def call_each(self, hook_name: str, make_args: Callable[[str], dict[str, Any]],
                  on_fail: Callable[[str], None] = lambda name: None) -> None:
        """Call every implementation of ``hook_name`` separately, in load order.

        Load order (builtins, then entry points by name), not pluggy's last-registered-first:
        when two plugins claim one name, the later one is refused, so a third party can never
        knock a builtin out.

        ``make_args(plugin_name)`` builds the keyword arguments for that plugin (its own
        ``register`` callback); ``on_fail`` lets the caller take back what a failing plugin
        registered before ``fail`` reports it. Each call goes through pluggy (a caller that
        leaves every other plugin out), so its tracing and monitoring see it.
        """
        caller = getattr(self.pm.hook, hook_name)
        plugins = dict(self.pm.list_name_plugin())
        for impl in caller.get_hookimpls():
            name = impl.plugin_name
            others = [plugin for other, plugin in plugins.items() if other != name]
            alone = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            try:
                alone(**make_args(name))
            except Exception as exc:
                on_fail(name)
                self.fail(name, exc)

    def modules(self) -> dict[str, ModuleType | Any]:
        return dict(self.pm.list_name_plugin())
