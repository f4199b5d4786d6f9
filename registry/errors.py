"""The exceptions zoo raises, each carrying the exit code the CLI turns it into.

Users see one line per error, so every message says what is wrong and what to do; the
CLI shows a traceback only under ``--debug``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base of every error zoo reports to a user; ``exit_code`` 1 means "failed while working"."""

    exit_code = 1


class UsageError(ZooError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = 2


class NotFoundError(UsageError, KeyError):
    """An unknown name. A ``KeyError`` so registry lookups behave like mappings."""

    def __init__(self, kind: str, name: str, known: Iterable[str] = ()) -> None:
        self.kind, self.name = kind, name
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        if close:
            hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        elif known:
            hint = f"known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}"
        else:
            hint = f"no {kind} is registered"
        super().__init__(f"unknown {kind} {name!r}: {hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class CatalogError(UsageError):
    """A catalog file or entry is malformed; the message names file, entry and field."""


class PluginError(ZooError):
    """A plugin failed to load or registered something invalid; the message names the plugin."""


class IntegrityError(ZooError):
    """A file's content does not match its recorded sha256."""


class SourceError(ZooError):
    """One source could not serve an entry; the resolver collects these and tries the next."""
