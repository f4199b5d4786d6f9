"""Snapshot: an entry's verified files in one local folder, what the resolver hands every
consumer (the adapt glue, ``zoo pull``, the cache records, data loading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zoo.catalog import Backbone, Dataset


@dataclass(frozen=True)
class Snapshot:
    """``entry``'s files, verified, in one local directory at their relative paths: ``path``
    holds those files and nothing else (``zoo.verified``); ``origin`` is the source's own
    folder they were verified in; ``files`` maps each relative path to its sha256."""

    entry: Backbone | Dataset
    path: Path
    files: dict[str, str] = field(default_factory=dict)
    source: str = "local"
    revision: str = ""
    origin: Path | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def backbone(self) -> Backbone:
        """The entry as a backbone; a dataset's snapshot has no model to adapt."""
        if not isinstance(self.entry, Backbone):
            raise TypeError(f"{self.entry.kind} {self.entry.name!r} is not a backbone")
        return self.entry

    @classmethod
    def folder(cls, path: Path, name: str, *, repo: str = "", revision: str = "",
               domain: str = "text", files: dict[str, str] | None = None) -> Snapshot:
        """A backbone folder used as it is, through no source or catalog: the engine on its
        own (and its tests); ``repo`` and ``revision`` are what run.json will say of it."""
        return cls(Backbone(name=name, repo=repo, domain=domain), Path(path), dict(files or {}),
                   "local", revision, Path(path))
