"""What a source serves stays inside it: links out of a cache are refused and never deleted,
and a path that climbs out of its root is refused, whichever source (third-party too) gave it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO, backbone, sha, tiny_files

import zoo
from zoo.catalog import Dataset, FileSpec, SourceSpec
from zoo.components import Fetched
from zoo.errors import IntegrityError, ZooError
from zoo.plugins.sources.hub import HubSource
from zoo.resolve import resolve


def _link_out(snapshot: Path, name: str, victim: Path) -> None:
    (snapshot / name).unlink()
    (snapshot / name).symlink_to(victim)


def test_a_snapshot_link_out_of_the_hub_cache_is_refused_and_its_target_kept(
        hub_server, tmp_path, monkeypatch):
    files = tiny_files()
    server = hub_server({REPO: {"main": files}})
    commit = server.commit(REPO)
    snap = resolve(backbone(commit, files), zoo.get_zoo())
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"the user's own file, not a weight")
    _link_out(snap.origin, "model.safetensors", victim)
    server.close()
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    with pytest.raises(IntegrityError, match=r"model.safetensors from .*precious.txt, outside its "
                                             r"cache .*models--org--tiny; refused"):
        resolve(backbone(commit, files, hashed=("model.safetensors",)), zoo.get_zoo())
    assert victim.read_bytes() == b"the user's own file, not a weight"


def test_discard_deletes_the_link_but_not_a_target_outside_the_cache(hub_server, tmp_path):
    files = tiny_files()
    hub_server({REPO: {"main": files}})
    snap = resolve(backbone("main", files), zoo.get_zoo())
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"keep me")
    _link_out(snap.origin, "vocab.txt", victim)
    fetched = Fetched(snap.origin, {p: snap.origin / p for p in files}, snap.revision)
    HubSource().discard(fetched, "vocab.txt")
    assert victim.read_bytes() == b"keep me"
    assert not (snap.origin / "vocab.txt").is_symlink()  # the link inside the cache is gone
    blob = (snap.origin / "config.json").resolve()
    HubSource().discard(fetched, "config.json")  # inside: link and blob both go
    assert not blob.exists() and not (snap.origin / "config.json").exists()


def test_a_pypi_path_out_of_the_artifact_is_refused_when_fetched(tmp_path, monkeypatch):
    # An entry built in code is never parsed as a catalog; the source checks it again.
    (tmp_path / "downloads").mkdir()
    monkeypatch.setenv("ZOO_PYPI_DOWNLOADS", str(tmp_path / "downloads"))
    entry = Dataset(name="d", sources=(SourceSpec("pypi", {"package": "p==1", "path": "../../.."}),))
    with pytest.raises(ZooError, match=r"pypi:p==1: path: '../../..' must not contain '..'"):
        resolve(entry, zoo.get_zoo())


ESCAPING_SOURCE = '''
from pathlib import Path

import zoo
from zoo.components import Fetched


class Escaping(zoo.Source):
    name = "escaping"
    description = "serves whatever its spec says, as a careless third-party source might"

    def fetch(self, entry, spec, *, revision, files, offline, progress):
        root = Path(spec.get("root"))
        names = {spec.get("rel"): root / spec.get("at")}
        return Fetched(root, names, "r1")

    def discard(self, fetched, relpath):
        pass


@zoo.hookimpl
def register_sources(register):
    register(Escaping())
'''


@pytest.mark.parametrize("rel, at, message", [
    ("../outside.txt", "../outside.txt", r"path '../outside.txt' must not contain '..'"),
    ("/etc/passwd", "x", r"path '/etc/passwd' must be relative"),
    ("inside.txt", "../outside.txt", r"served inside.txt from .*outside.txt, not from .*inside.txt"),
    ("link.txt", "link.txt", r"served link.txt from .*outside.txt, outside its cache"),
])
def test_a_third_party_source_serving_from_outside_its_root_is_refused(
        make_plugin, tmp_path, rel, at, message):
    make_plugin("zoo-escaping", ESCAPING_SOURCE)
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"secret")
    (root / "link.txt").symlink_to(outside)
    entry = Dataset(name="d", sources=(SourceSpec("escaping", {"root": str(root), "rel": rel,
                                                               "at": at}),))
    with pytest.raises(IntegrityError, match=message):
        resolve(entry, zoo.get_zoo())
    assert outside.read_bytes() == b"secret"


def test_a_file_inside_a_third_party_root_is_served(make_plugin, tmp_path):
    make_plugin("zoo-escaping", ESCAPING_SOURCE)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_bytes(b"ok")
    entry = Dataset(name="d", files=(FileSpec("sub/a.txt", sha(b"ok")),),
                    sources=(SourceSpec("escaping", {"root": str(root), "rel": "sub/a.txt",
                                                     "at": "sub/a.txt"}),))
    assert resolve(entry, zoo.get_zoo()).files == {"sub/a.txt": sha(b"ok")}
