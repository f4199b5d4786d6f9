"""``zoo.lock``: the commit and file hashes a first download recorded, held to from then on.

The catalog pins what is known for certain; the lock pins the rest the first time it is seen
(a branch's commit, the hash of a file the catalog gives none for). Records are kept per
entry and per source, because two sources may carry different bytes for a file the catalog
does not hash (a PyPI copy's config.json need not match the Hub's).

The file sits beside the user's catalog (./zoo.toml or the first ``ZOO_CATALOG``) so that it
can be committed with it, else in zoo's data directory.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from zoo.errors import UsageError, ZooError
from zoo.integrity import write_atomic
from zoo.locations import zoo_home

LOCK_NAME = "zoo.lock"
HEADER = ("# zoo.lock: commits and sha256 recorded by zoo at first download, per entry and\n"
          "# source; later resolutions are held to them. Commit this file with your zoo.toml.\n")


@dataclass(frozen=True)
class LockRecord:
    """What one source served for one entry: the resolved revision and each file's sha256."""

    revision: str
    files: Mapping[str, str] = field(default_factory=dict)


def lock_path() -> Path:
    """Where the lock lives for this process: beside the user's catalog, else in ZOO_HOME."""
    from zoo.app import user_catalog_paths

    catalogs = user_catalog_paths()
    return catalogs[0].parent / LOCK_NAME if catalogs else zoo_home() / LOCK_NAME


def _read(path: Path) -> dict[str, dict[str, dict[str, LockRecord]]]:
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ZooError(f"{path}: cannot read the lock file ({exc}); fix or delete it") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not a zoo lock file ({exc}); fix or delete it") from exc
    out: dict[str, dict[str, dict[str, LockRecord]]] = {}
    for kind, entries in doc.items():
        for name, sources in _tables(entries, path, kind):
            for key, rec in _tables(sources, path, f"{kind}.{name}"):
                out.setdefault(kind, {}).setdefault(name, {})[key] = _record(
                    rec, path, f"{kind}.{name}.{key}")
    return out


def _tables(value: object, path: Path, where: str) -> list[tuple[str, object]]:
    if not isinstance(value, dict):
        raise _shape_error(path, where, "a table")
    return list(value.items())


def _record(rec: object, path: Path, where: str) -> LockRecord:
    """One record, as zoo writes it: a string ``revision`` and ``files`` of path = sha256."""
    if not isinstance(rec, dict):
        raise _shape_error(path, where, "a table with revision and files")
    revision, files = rec.get("revision", ""), rec.get("files", {})
    if not isinstance(revision, str):
        raise _shape_error(path, f"{where}.revision", "a string")
    if not (isinstance(files, dict) and all(isinstance(h, str) for h in files.values())):
        raise _shape_error(path, f"{where}.files", "a table of path = sha256 strings")
    return LockRecord(revision, dict(files))


def _shape_error(path: Path, where: str, expected: str) -> UsageError:
    return UsageError(f"{path}: {where} must be {expected}, as zoo writes it; "
                      "fix the lock file or delete it (zoo records it again at the next download)")


def _render(data: Mapping[str, Mapping[str, Mapping[str, LockRecord]]]) -> str:
    # json.dumps quotes keys and values as valid TOML basic strings.
    q = json.dumps
    parts = [HEADER]
    for kind in sorted(data):
        for name in sorted(data[kind]):
            for key in sorted(data[kind][name]):
                rec = data[kind][name][key]
                files = ", ".join(f"{q(p)} = {q(h)}" for p, h in sorted(rec.files.items()))
                parts.append(f"\n[{kind}.{q(name)}.{q(key)}]\nrevision = {q(rec.revision)}\n"
                             f"files = {{ {files} }}\n")
    return "".join(parts)


def read_record(kind: str, name: str, key: str, path: Path | None = None) -> LockRecord | None:
    """The record for one entry and source, or None when nothing was recorded yet."""
    return _read(path or lock_path()).get(kind, {}).get(name, {}).get(key)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lck"):
        yield


def write_record(kind: str, name: str, key: str, record: LockRecord,
                 path: Path | None = None) -> None:
    """Set the record for one entry and source. Read-modify-write under a file lock, written
    atomically, so concurrent pulls of different entries both land."""
    path = path or lock_path()
    with _locked(path):
        data = _read(path)
        data.setdefault(kind, {}).setdefault(name, {})[key] = record
        write_atomic(path, _render(data))
