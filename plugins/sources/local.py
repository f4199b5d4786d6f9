"""Builtin source ``local``: an entry's files in a directory the user already has.

The files are used in place, never copied, and never deleted: a file that fails
verification is refused but left alone, because the folder is the user's, not a cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from zoo import hookimpl
from zoo.catalog import Backbone, Dataset, SourceSpec
from zoo.components import Fetched, Source
from zoo.errors import SourceError


class LocalSource(Source):
    name = "local"
    description = "A local directory holding the entry's files at their relative paths"
    caches = False

    def key(self, spec: SourceSpec) -> str:
        return f"local:{spec.get('path', '')}"

    def fetch(self, entry: Backbone | Dataset, spec: SourceSpec, *, revision: str,
              files: tuple[str, ...], offline: bool, progress: bool) -> Fetched:
        raw = spec.get("path")
        if not isinstance(raw, str) or not raw:
            raise SourceError("a local source needs a 'path' to a directory")
        root = Path(raw).expanduser()
        if not root.is_dir():
            raise SourceError(f"{root} is not a directory")
        names = files or tuple(str(p.relative_to(root)) for p in sorted(root.rglob("*")) if p.is_file())
        missing = [f for f in names if not (root / f).is_file()]
        if missing:
            raise SourceError(f"{root} lacks {', '.join(missing)}")
        return Fetched(root, {f: root / f for f in names}, revision)

    def discard(self, fetched: Fetched, relpath: str) -> None:
        """Never delete a user's own file."""

    def remove(self, entry: Backbone | Dataset, spec: SourceSpec, revision: str) -> None:
        """Nothing was cached: the directory belongs to the user."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    register(LocalSource())
