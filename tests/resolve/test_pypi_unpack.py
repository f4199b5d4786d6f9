"""The PyPI source's unpacking, nested archives and eviction, offline: an artifact already
in the downloads folder is used without pip, so these tests build one themselves."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from helpers import sha

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
    snap = resolve(_dataset("acme_data/res/pack.tar.gz!pack"))
    assert (snap.path / "reviews.txt").read_bytes() == DATA
    assert snap.source == "pypi" and snap.files == {"reviews.txt": sha(DATA)}


def test_a_path_that_is_not_in_the_artifact_is_named(downloads):
    with pytest.raises(ZooError, match="acme_data-1.0-py3-none-any.whl has no directory 'nope'"):
        resolve(_dataset("nope"))


def test_a_tampered_unpacked_file_is_evicted_and_unpacked_again(downloads):
    snap = resolve(_dataset("acme_data/res/pack.tar.gz!pack"))
    (snap.path / "reviews.txt").write_bytes(b"tampered")
    again = resolve(_dataset("acme_data/res/pack.tar.gz!pack"))
    assert (again.path / "reviews.txt").read_bytes() == DATA


def test_an_unhashed_file_is_locked_in_zoo_home_then_enforced(downloads, zoo_env):
    entry = Dataset(name="acme", files=(FileSpec("config.json"),),
                    sources=(SourceSpec("pypi", {"package": "acme-data==1.0",
                                                 "path": "acme_data/model"}),))
    resolve(entry)
    assert lock_path() == zoo_env.home / "zoo.lock"
    record = read_record("dataset", "acme", "pypi:acme-data==1.0")
    assert record is not None and dict(record.files) == {"config.json": sha(CONFIG)}

    # A new build of the same version with other bytes is held to the recorded hash.
    import shutil
    shutil.rmtree(zoo_env.home / "pypi", ignore_errors=True)
    wheel = downloads / "acme_data-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("acme_data/model/config.json", b'{"hidden_size": 9}')
    with pytest.raises(IntegrityError, match=f"expected {sha(CONFIG)}"):
        resolve(entry)


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
        resolve(absent)
    # an artifact already downloaded still serves
    assert resolve(_dataset("acme_data/res/pack.tar.gz!pack")).files == {"reviews.txt": sha(DATA)}
