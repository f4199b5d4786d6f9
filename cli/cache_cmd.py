"""``zoo cache ls|verify|rm``: what zoo has resolved, re-checked or removed."""

from __future__ import annotations

from pathlib import Path

import click

from zoo.cache import CacheRecord, find_records, forget, load_records, verify_record
from zoo.errors import UsageError, ZooError
from zoo.verified import remove_verified

from .output import emit_json, human_bytes, short_revision, table


@click.group("cache")
def cache_group() -> None:
    """List, re-verify or remove resolved entries."""


def _records(name: str | None) -> list[CacheRecord]:
    if name is None:
        return load_records()
    found = find_records(name)
    if not found:
        known = sorted({r.entry for r in load_records()})
        hint = f"cached: {', '.join(known)}" if known else "nothing is cached"
        raise UsageError(f"{name!r} is not in the cache ({hint}); run zoo pull {name}")
    return found


@cache_group.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(as_json: bool) -> None:
    """Each resolved entry: revision, size, when it was verified, and its source."""
    records = load_records()
    if as_json:
        emit_json([{"entry": r.entry, "kind": r.kind, "revision": r.revision, "size": r.size,
                    "verified": r.verified_at, "source": r.key, "path": r.path} for r in records])
        return
    if not records:
        click.echo("nothing cached yet: zoo pull NAME")
        return
    table(["ENTRY", "REVISION", "SIZE", "VERIFIED", "SOURCE"],
          [[r.entry, short_revision(r.revision), human_bytes(r.size), r.verified_at, r.key]
           for r in records])


@cache_group.command("verify")
@click.argument("name", required=False)
def verify_cmd(name: str | None) -> None:
    """Re-hash the cached files of NAME (or of everything); exit 1 on any mismatch."""
    bad = 0
    records = _records(name)
    if not records:
        click.echo("nothing cached yet: zoo pull NAME")
    for record in records:
        problems = verify_record(record)
        for p in problems:
            if p.expected is None:
                click.echo(f"{record.entry}: {p.path}: not a verified file, yet in the folder "
                           f"zoo loads {record.entry} from")
                continue
            actual = p.actual or "missing"
            click.echo(f"{record.entry}: {p.path}: expected {p.expected}, found {actual}")
        bad += bool(problems)
        if not problems:
            count = len(record.files)
            click.echo(f"{record.entry}: {count} file{'s' if count != 1 else ''} ok")
    if bad:
        raise ZooError(f"{bad} cached entr{'y' if bad == 1 else 'ies'} failed verification; "
                       "zoo cache rm NAME, then zoo pull NAME")


@cache_group.command("rm")
@click.argument("name")
def rm_cmd(name: str) -> None:
    """Delete NAME's cached files (the lock file keeps its pins)."""
    from zoo import get_zoo
    from zoo.resolve import source_specs

    zoo = get_zoo()
    for record in _records(name):
        registry = zoo.backbones if record.kind == "backbone" else zoo.datasets
        if name in registry:
            entry = registry.get(name)
            for spec in source_specs(entry):
                if spec.type in zoo.sources:
                    source = zoo.sources.get(spec.type)
                    if source.key(spec) == record.key:
                        source.remove(entry, spec, record.revision)
        remove_verified(Path(record.path))
        forget(record)
        click.echo(f"removed {record.entry} ({record.key}, {Path(record.path)})")
