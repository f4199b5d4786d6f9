"""The catalog model: one frozen dataclass per kind of entry, parsed from zoo.toml files.

Entries are grouped like timm's ``PretrainedCfg`` (source, model, provenance). Parsing is
strict: an unknown or mistyped field is an error naming the file, the entry, the field and,
where it can be found, the line, because a silently ignored typo in a revision or a hash is
exactly the mistake a registry exists to prevent.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from zoo.errors import CatalogError

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
#: A Hub repo id by the rules of ``huggingface_hub.utils.validate_repo_id`` (not imported: it
#: is too heavy for ``zoo list``): ``name`` or ``namespace/name``, each part up to 96 letters,
#: digits, '.', '_' or '-', starting and ending with a letter, digit or '_'.
_REPO_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
REPO_ID_RE = re.compile(rf"^(?:{_REPO_PART}/)?{_REPO_PART}$")


def repo_id_problem(repo: str) -> str | None:
    """Why ``repo`` is not a Hub repo id, or None; '..' in one could name a folder outside the cache."""
    if not REPO_ID_RE.match(repo) or "--" in repo or ".." in repo or repo.endswith(".git"):
        return (f"not a Hub repo id (org/name: letters, digits, '.', '_', '-', no '..' or '--', "
                f"at most 96 per part): {repo!r}")
    return None


def relpath_problem(path: str) -> str | None:
    """Why ``path`` cannot name something inside an entry's folder (absolute, '..'), or None.

    Catalogs are untrusted: a path that climbs out would read, serve, or delete another file.
    """
    if not path:
        return "must not be empty"
    if "\\" in path or "\0" in path:
        return f"{path!r} must use '/' between parts, with no backslash or NUL"
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return f"{path!r} must be relative, not absolute"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return f"{path!r} must not contain '..', '.' or empty parts"
    return None


@dataclass(frozen=True)
class Where:
    """Where an entry was defined: a file (with its text, for line numbers) or a plugin."""

    origin: str
    text: str = ""

    def line_of(self, kind: str, name: str, fieldname: str | None) -> int | None:
        """Best-effort line of ``fieldname`` inside ``[kind.name]``: tomllib gives no positions."""
        if not self.text:
            return None
        lines = self.text.splitlines()
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(kind)}\s*\.\s*\"?{re.escape(name)}\"?\s*[\].]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return None
        if fieldname is None:
            return start + 1
        key = re.compile(rf"^\s*\"?{re.escape(fieldname)}\"?\s*=")
        sub = re.compile(rf"^\s*\[\[?\s*{re.escape(kind)}\.\"?{re.escape(name)}\"?\.{re.escape(fieldname)}\s*\]")
        for i in range(start + 1, len(lines)):
            if key.match(lines[i]) or sub.match(lines[i]):
                return i + 1
            if lines[i].lstrip().startswith("[") and not lines[i].lstrip().startswith(f"[[{kind}.{name}."):
                break
        return start + 1

    def error(self, kind: str, name: str, fieldname: str | None, problem: str) -> CatalogError:
        line = self.line_of(kind, name, fieldname)
        place = f"{self.origin}:{line}" if line else self.origin
        what = f"{kind}.{name}" + (f".{fieldname}" if fieldname else "")
        return CatalogError(f"{place}: {what}: {problem}")


@dataclass(frozen=True)
class FileSpec:
    """One file of an entry, with its sha256 where it is known for certain."""

    path: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class SourceSpec:
    """One place an entry's files can come from: a source ``type`` plus its own parameters.

    The parameters are open because sources are plugins; each source validates its own.
    """

    type: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


class Entry:
    """Behaviour shared by every kind of catalog entry (all frozen dataclasses)."""

    kind: ClassVar[str]
    name: str
    origin: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field, for ``zoo info --json`` and for overlays."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "files":
                # Built by hand: dataclasses.asdict deep-copies, and a dataset may pin
                # thousands of files (BBC News: 2,225), which made every `zoo list` slower.
                value = [{k: v for k, v in (("path", x.path), ("sha256", x.sha256), ("size", x.size))
                          if v is not None} for x in value]
            elif f.name == "sources":
                value = [{"type": s.type, **dict(s.params)} for s in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out


@dataclass(frozen=True)
class Backbone(Entry):
    """A pretrained backbone pinned to a revision."""

    kind: ClassVar[str] = "backbone"

    name: str
    # -- weight source
    repo: str
    revision: str = "main"
    files: tuple[FileSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    allow_pickle: bool = False
    # -- model
    domain: str = "text"
    architecture: str = ""
    params: int = 0
    # -- provenance
    license: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    origin: str = ""

    @property
    def pinned(self) -> bool:
        """True when the revision is a full commit hash rather than a moving branch or tag."""
        return bool(COMMIT_RE.match(self.revision))


@dataclass(frozen=True)
class Dataset(Entry):
    """Labelled data: its files, how to read them, and the fixed split."""

    kind: ClassVar[str] = "dataset"

    name: str
    # -- source
    files: tuple[FileSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    # -- reading
    domain: str = "text"
    reader: str = ""
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    splits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    seed: int = 0
    rows: int = 0
    # -- provenance
    license: str = ""
    description: str = ""
    homepage: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Task(Entry):
    """What to adapt a backbone for: head, labels, metric and default dataset."""

    kind: ClassVar[str] = "task"

    name: str
    domain: str = "text"
    head: str = "classification"
    dataset: str = ""
    metric: str = "accuracy"
    labels: tuple[str, ...] = ()
    #: Defaults for the domain's options that suit this task's data (digits: no flipping).
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    origin: str = ""


ENTRY_TYPES: dict[str, type[Entry]] = {"backbones": Backbone, "datasets": Dataset, "tasks": Task}


def _check_type(value: Any, expected: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected)


def _parse_files(value: Any, err) -> tuple[FileSpec, ...]:
    if not isinstance(value, list):
        raise err("must be a list of {path = ..., sha256 = ...} tables")
    out = []
    for item in value:
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise err(f"each file needs a string 'path', got {item!r}")
        unknown = set(item) - {"path", "sha256", "size"}
        if unknown:
            raise err(f"unknown key(s) {sorted(unknown)} in file {item['path']!r}")
        sha = item.get("sha256")
        if sha is not None and not (isinstance(sha, str) and SHA256_RE.match(sha)):
            raise err(f"sha256 of {item['path']!r} must be 64 lowercase hex digits, got {sha!r}")
        size = item.get("size")
        if size is not None and not _check_type(size, int):
            raise err(f"size of {item['path']!r} must be an integer")
        if problem := relpath_problem(item["path"]):
            raise err(f"file path {problem}")
        out.append(FileSpec(item["path"], sha, size))
    return tuple(out)


def _parse_sources(value: Any, err) -> tuple[SourceSpec, ...]:
    if not isinstance(value, list):
        raise err("must be a list of tables, each with a 'type'")
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise err(f"each source needs a string 'type' (hub, local, pypi, ...), got {item!r}")
        params = {k: v for k, v in item.items() if k != "type"}
        out.append(SourceSpec(item["type"], MappingProxyType(params)))
    return tuple(out)


def entry_from_mapping(table: str, name: str, data: Mapping[str, Any], where: Where) -> Entry:
    """Build one entry from a TOML table, validating every field against the dataclass."""
    cls = ENTRY_TYPES[table]
    kind = table

    def err_for(fieldname: str | None):
        return lambda problem: where.error(kind, name, fieldname, problem)

    if not NAME_RE.match(name):
        raise where.error(kind, name, None, "names are lowercase letters, digits, '.', '_' and '-'")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {"name": name, "origin": where.origin}
    for key, value in data.items():
        err = err_for(key)
        if key in ("name", "origin") or key not in fields:
            allowed = ", ".join(k for k in fields if k not in ("name", "origin"))
            raise err(f"unknown field; {cls.kind} fields are: {allowed}")
        if key == "files":
            kwargs[key] = _parse_files(value, err)
        elif key == "sources":
            kwargs[key] = _parse_sources(value, err)
        elif key in ("tags", "labels"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise err("must be a list of strings")
            kwargs[key] = tuple(value)
        elif key == "options":
            if not isinstance(value, dict):
                raise err("must be a table")
            kwargs[key] = MappingProxyType(dict(value))
        elif key == "splits":
            if not isinstance(value, dict) or not all(
                _check_type(v, float) and 0 < v <= 1 for v in value.values()
            ):
                raise err("must be a table of split name = fraction in (0, 1]")
            if abs(sum(value.values()) - 1) > 1e-6:
                raise err(f"fractions must add up to 1, they add up to {sum(value.values()):g}")
            kwargs[key] = MappingProxyType(dict(value))
        else:
            expected = {"str": str, "int": int, "bool": bool, "float": float}[str(fields[key].type)]
            if not _check_type(value, expected):
                raise err(f"must be {expected.__name__}, got {type(value).__name__} {value!r}")
            kwargs[key] = value
    required = [f.name for f in fields.values() if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING and f.name not in kwargs]
    if required:
        raise err_for(None)(f"missing required field(s): {', '.join(required)}")
    entry = cls(**kwargs)
    _validate(entry, err_for)
    return entry


def _validate(entry: Entry, err_for) -> None:
    if isinstance(entry, Backbone):
        if problem := repo_id_problem(entry.repo):
            raise err_for("repo")(problem)
        if not entry.revision:
            raise err_for("revision")("must not be empty; use a commit hash or a branch such as 'main'")
        if problem := relpath_problem(entry.revision):  # a branch name becomes a file in the cache
            raise err_for("revision")(f"not a branch, tag or commit: {problem}")
        if entry.params < 0:
            raise err_for("params")("must not be negative")


def parse_catalog_text(text: str, origin: str) -> list[tuple[str, str, dict[str, Any], Where]]:
    """Parse a zoo.toml into raw ``(table, name, data, where)`` rows, checking only the shape.

    Entries are built later, after overlays are merged, so an override may give just the
    fields it changes.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{origin}: not valid TOML: {exc}") from exc
    where = Where(origin, text)
    rows = []
    for table, entries in doc.items():
        if table not in ENTRY_TYPES:
            raise CatalogError(
                f"{origin}: unknown table [{table}]; a catalog has [backbones.NAME], "
                "[tasks.NAME] and [datasets.NAME]"
            )
        if not isinstance(entries, dict):
            raise CatalogError(f"{origin}: [{table}] must hold tables such as [{table}.NAME]")
        for name, data in entries.items():
            if not isinstance(data, dict):
                raise where.error(table, name, None, "must be a table")
            rows.append((table, name, data, where))
    return rows


def builtin_catalog_path() -> Path:
    """The zoo.toml shipped inside the package (the repository's top-level zoo.toml)."""
    return Path(__file__).with_name("zoo.toml")


def read_catalog_file(path: Path) -> list[tuple[str, str, dict[str, Any], Where]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CatalogError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                           "TOML must be UTF-8: save the file as UTF-8") from exc
    return [(t, n, d, w) for t, n, d, w in parse_catalog_text(text, str(path))]
