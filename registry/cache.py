"""What zoo has resolved: one record per entry, for ``zoo cache ls|verify|rm``.

The files themselves stay where their source keeps them (the Hugging Face cache for the Hub,
zoo's own cache for PyPI artifacts, the user's folder for a local source); a record says
which source served them, at which revision, the sha256 each file had, and the folder of
links to them that zoo loads the entry from (``zoo.verified``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from zoo.integrity import sha256_file, write_atomic
from zoo.locations import zoo_home
from zoo.snapshot import Snapshot
from zoo.verified import listed_files


@dataclass(frozen=True)
class CacheRecord:
    """The last verified resolution of one entry: its :class:`Snapshot`, as stored."""

    entry: str
    kind: str
    source: str
    key: str
    revision: str
    path: str
    files: dict[str, str]
    verified_at: str

    @classmethod
    def of(cls, snapshot: Snapshot, key: str) -> CacheRecord:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(snapshot.name, snapshot.entry.kind, snapshot.source, key, snapshot.revision,
                   str(snapshot.path), dict(snapshot.files), now)

    @property
    def size(self) -> int:
        """Bytes of the recorded files still present (a symlink counts as its target)."""
        root = Path(self.path)
        return sum(os.path.getsize(root / rel) for rel in self.files if (root / rel).exists())


@dataclass(frozen=True)
class Problem:
    """One file of a record that no longer matches: ``actual`` is None when it is missing."""

    path: str
    #: None for a file that was never verified.
    expected: str | None
    actual: str | None


def records_dir() -> Path:
    return zoo_home() / "records"


def _record_path(kind: str, name: str) -> Path:
    return records_dir() / kind / f"{name}.json"


def save_record(record: CacheRecord) -> None:
    write_atomic(_record_path(record.kind, record.entry), json.dumps(asdict(record), indent=2))


def load_records() -> list[CacheRecord]:
    """Every record, sorted by kind and entry; an unreadable one is skipped."""
    out = []
    for path in sorted(records_dir().glob("*/*.json")):
        try:
            out.append(CacheRecord(**json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return out


def find_records(name: str) -> list[CacheRecord]:
    return [r for r in load_records() if r.entry == name]


def forget(record: CacheRecord) -> None:
    _record_path(record.kind, record.entry).unlink(missing_ok=True)


def verify_record(record: CacheRecord) -> list[Problem]:
    """Re-hash every file of ``record``; the files that are missing or changed, and any file in
    its folder that was never verified (zoo loads the whole folder)."""
    root = Path(record.path)
    problems = []
    for rel, want in sorted(record.files.items()):
        path = root / rel
        actual = sha256_file(path) if path.is_file() and not path.is_symlink() else None
        if actual != want:
            problems.append(Problem(rel, want, actual))
    if root.is_dir():
        for rel in sorted(listed_files(root) - set(record.files)):
            path = root / rel
            actual = sha256_file(path) if path.is_file() else "a link"
            problems.append(Problem(rel, None, actual))
    return problems
