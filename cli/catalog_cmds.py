"""``zoo list`` and ``zoo info``: browse the catalog without importing torch."""

from __future__ import annotations

from typing import Any

import click

from zoo import get_zoo
from zoo.catalog import Backbone, Dataset, Entry, Task

from .output import emit_json, human_count, table

KINDS = ("backbones", "tasks", "datasets")


def _rows(kind: str, entries: list[Entry]) -> tuple[list[str], list[list[object]]]:
    if kind == "backbones":
        return (["NAME", "DOMAIN", "ARCHITECTURE", "PARAMS", "LICENSE", "REVISION", "DESCRIPTION"],
                [[e.name, e.domain, e.architecture, human_count(e.params), e.license,
                  e.revision[:12], e.description] for e in entries if isinstance(e, Backbone)])
    if kind == "tasks":
        return (["NAME", "DOMAIN", "HEAD", "DATASET", "METRIC", "LABELS", "DESCRIPTION"],
                [[e.name, e.domain, e.head, e.dataset, e.metric, len(e.labels) or "inferred",
                  e.description] for e in entries if isinstance(e, Task)])
    return (["NAME", "DOMAIN", "ROWS", "LICENSE", "DESCRIPTION"],
            [[e.name, e.domain, e.rows or "?", e.license, e.description]
             for e in entries if isinstance(e, Dataset)])


@click.command("list")
@click.argument("pattern", required=False)
@click.option("--domain", metavar="D", help="Only entries of this domain (text, vision, ...).")
@click.option("--task", "task_name", metavar="T",
              help="Only backbones that can be adapted to task T (same domain).")
@click.option("--kind", type=click.Choice(KINDS + ("all",)), default="backbones",
              show_default=True, help="Which kind of catalog entry to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_cmd(pattern: str | None, domain: str | None, task_name: str | None, kind: str,
             as_json: bool) -> None:
    """List catalog entries, backbones by default; PATTERN is a glob such as 'bert-*'.

    \b
    Examples:
      zoo list
      zoo list 'minilm-*' --json
      zoo list --task sentiment
      zoo list --kind tasks
    """
    zoo = get_zoo()
    if task_name:
        domain = zoo.tasks.get(task_name).domain if domain is None else domain
    kinds = KINDS if kind == "all" else (kind,)
    found = {k: getattr(zoo, k).list(pattern, domain=domain) for k in kinds}
    if task_name and kind != "all":
        found = {k: v for k, v in found.items() if k == "backbones"} or found
    if as_json:
        emit_json([{"kind": e.kind, **e.to_dict(), "plugin": getattr(zoo, k).provider(e.name)}
                   for k, entries in found.items() for e in entries])
        return
    for i, (k, entries) in enumerate(found.items()):
        if len(found) > 1:
            click.echo(("\n" if i else "") + f"{k.upper()}")
        if not entries:
            click.echo(f"no {k} match" + (f" {pattern!r}" if pattern else ""))
            continue
        table(*_rows(k, entries))


@click.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def info_cmd(name: str, as_json: bool) -> None:
    """Show everything the catalog knows about NAME, where it came from and which plugin.
    NAME may also be a model folder, a finished run or a Hub repo id (org/name[@revision]),
    as zoo adapt takes it: what zoo builds from it is shown, and which it was.

    \b
    Example:
      zoo info minilm-l6
      zoo info google-bert/bert-base-uncased
    """
    from pathlib import Path

    from zoo.backbones import is_hub_ref

    zoo = get_zoo()
    if Path(name).expanduser().is_dir() or (is_hub_ref(name) and not any(
            name in r for r in zoo.entry_registries())):
        from zoo.backbones import find_backbone

        named = find_backbone(name, zoo)
        hits: list[tuple[Any, str]] = [(named.entry, named.how)]
    else:
        hits = zoo.find(name)
    if as_json:
        docs = [{"kind": e.kind, **e.to_dict(), "plugin": plugin} for e, plugin in hits]
        emit_json(docs[0] if len(docs) == 1 else docs)
        return
    for i, (entry, plugin) in enumerate(hits):
        if i:
            click.echo()
        data = entry.to_dict()
        click.echo(f"{entry.kind} {data.pop('name')}")
        origin = data.pop("origin")
        for key, value in data.items():
            if key == "files":
                click.echo("  files:")
                for f in value:
                    click.echo(f"    {f['path']}" + (f"  sha256:{f['sha256']}" if "sha256" in f else ""))
            elif key == "sources":
                if value:
                    click.echo("  sources:")
                    for s in value:
                        click.echo("    " + ", ".join(f"{k}={v}" for k, v in s.items()))
            elif key == "params":
                click.echo(f"  params: {value:,} ({human_count(value)})")
            elif value not in ("", [], {}, None):
                click.echo(f"  {key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
        click.echo(f"  defined in: {origin}")
        if plugin in ("local folder", "zoo run", "Hub repo"):
            click.echo(f"  named as: a {plugin} (a local path wins over a catalog name, a "
                       "catalog name over a Hub repo id)")
        else:
            click.echo(f"  plugin: {plugin}")
