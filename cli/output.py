"""How commands print: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from typing import Any

import click


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=False, default=str))


def human_count(n: int) -> str:
    """22713216 -> '22.7M': parameter counts as people quote them."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print an aligned table; the last column is cut to the terminal's width."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    width = shutil.get_terminal_size((120, 20)).columns
    room = max(20, width - sum(widths[:-1]) - 2 * (len(headers) - 1))

    def line(values: Sequence[str]) -> str:
        parts = [v.ljust(w) for v, w in zip(values[:-1], widths)]
        last = values[-1] if len(values[-1]) <= room else values[-1][: room - 1] + "…"
        return "  ".join(parts + [last]).rstrip()

    click.echo(line(list(headers)))
    for row in cells:
        click.echo(line(row))


def short_revision(revision: str) -> str:
    """A commit cut to 12 hex digits as git shows it; anything else (a branch, NAME==V) whole."""
    return revision[:12] if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision) \
        else revision
