"""A registry of named things, one per kind: ``register`` / ``list`` / ``get``.

Every registration records who made it, so a duplicate is an error naming both plugins
(timm regretted silently overwriting duplicates) and ``zoo info`` can say where an entry
came from.
"""

from __future__ import annotations

import builtins
import fnmatch
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from zoo.catalog import NAME_RE
from zoo.errors import NotFoundError, PluginError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named items of one kind (``kind`` is used in messages), each with its provider."""

    def __init__(self, kind: str, item_type: type | tuple[type, ...]) -> None:
        self.kind = kind
        self.item_type = item_type
        self._items: dict[str, T] = {}
        self._providers: dict[str, str] = {}

    def register(self, item: T, provider: str, *, override: bool = False) -> None:
        """Add ``item``; ``provider`` names the plugin or file, for messages.

        ``override`` is for the user's own catalog files, which may replace any entry.
        """
        if not isinstance(item, self.item_type):
            expected = getattr(self.item_type, "__name__", str(self.item_type))
            raise PluginError(
                f"plugin {provider!r} registered {item!r} as a {self.kind}; "
                f"expected a zoo.{expected} instance"
            )
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise PluginError(
                f"plugin {provider!r} registered a {self.kind} with an invalid name {name!r}: "
                "use lowercase letters, digits, '.', '_' and '-'"
            )
        if name in self._items and not override:
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by {self._providers[name]!r} "
                f"and by {provider!r}; rename one or uninstall one of the plugins"
            )
        self._items[name] = item
        self._providers[name] = provider

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)
        self._providers.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise NotFoundError(self.kind, name, self._items) from None

    def provider(self, name: str) -> str:
        self.get(name)
        return self._providers[name]

    def list(self, pattern: str | None = None, **filters: Any) -> list[T]:
        """Items whose name matches the fnmatch ``pattern`` and whose attributes equal ``filters``."""
        out = []
        for name in sorted(self._items):
            item = self._items[name]
            if pattern and not fnmatch.fnmatchcase(name, pattern):
                continue
            if any(getattr(item, k, None) != v for k, v in filters.items() if v is not None):
                continue
            out.append(item)
        return out

    def names(self) -> builtins.list[str]:  # ``list`` here is the method above
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._items)
