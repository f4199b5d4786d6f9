"""The Hub source against a real loopback server: revisions, errors, integrity, offline,
resume, and the lock file."""

from __future__ import annotations

import sys

import pytest
from helpers import REPO, backbone, sha, tiny_files, write_catalog

from zoo import get_zoo
from zoo.errors import IntegrityError, ZooError
from zoo.lockfile import lock_path, read_record
from zoo.resolve import resolve


def test_downloads_the_pinned_revision_into_the_hf_cache(hub_server, zoo_env):
    old, new = tiny_files("old"), tiny_files("new")
    hub_server({REPO: {"0" * 39 + "1": old, "main": new}})
    snap = resolve(backbone("0" * 39 + "1", old, hashed=("model.safetensors",)), get_zoo())
    assert snap.revision == "0" * 39 + "1"
    assert snap.source == "hub"
    assert {p: (snap.path / p).read_bytes() for p in old} == old
    assert snap.files == {p: sha(d) for p, d in old.items()}
    hf_cache = zoo_env.hf_home / "hub" / "models--org--tiny" / "snapshots"
    assert snap.origin == hf_cache / ("0" * 39 + "1")


def test_a_revision_that_does_not_exist_is_named(hub_server):
    hub_server({REPO: {"main": tiny_files()}})
    with pytest.raises(ZooError, match=r"revision '" + "a" * 40 + "' not found in org/tiny"):
        resolve(backbone("a" * 40, tiny_files()), get_zoo())


def test_a_missing_file_is_named(hub_server):
    files = tiny_files()
    hub_server({REPO: {"main": {k: v for k, v in files.items() if k != "vocab.txt"}}})
    with pytest.raises(ZooError, match="vocab.txt not found in org/tiny"):
        resolve(backbone("main", files), get_zoo())


def test_a_tampered_file_is_refused_and_not_cached(hub_server, zoo_env):
    files = tiny_files()
    server = hub_server({REPO: {"main": files}})
    bad = b"evil" * 100
    server.tamper(REPO, "model.safetensors", bad)
    with pytest.raises(IntegrityError) as err:
        resolve(backbone("main", files, hashed=("model.safetensors",)), get_zoo())
    message = str(err.value)
    assert "model.safetensors" in message and "from hub" in message
    assert sha(files["model.safetensors"]) in message and sha(bad) in message
    repo_dir = zoo_env.hf_home / "hub" / "models--org--tiny"
    cached = [p for p in repo_dir.rglob("*") if p.is_file() and p.read_bytes() == bad]
    assert cached == []
    assert not any(p.name == "model.safetensors" for p in repo_dir.rglob("*"))


def test_offline_uses_the_cache_and_fails_clearly_without_one(hub_server, monkeypatch):
    files = tiny_files()
    server = hub_server({REPO: {"main": files}})
    commit = server.commit(REPO)
    first = resolve(backbone(commit, files), get_zoo())
    server.close()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve(backbone(commit, files), get_zoo()) == first
    with pytest.raises(ZooError, match=r"not in the Hugging Face cache \(offline\)"):
        resolve(backbone("b" * 40, files, name="other"), get_zoo())


def test_resumes_after_a_cut_connection(hub_server):
    # huggingface_hub writes in 10 MiB chunks, so the cut must come after the first one.
    files = tiny_files()
    files["model.safetensors"] = bytes(range(256)) * (22 * 4096)  # 22 MiB
    server = hub_server({REPO: {"main": files}})
    server.state.cut[f"{REPO}/model.safetensors"] = 1
    snap = resolve(backbone("main", files, hashed=("model.safetensors",)), get_zoo())
    assert (snap.path / "model.safetensors").read_bytes() == files["model.safetensors"]
    gets = server.gets("/model.safetensors")
    assert len(gets) == 2
    ranges = {k.lower(): v for k, v in gets[1].headers.items()}.get("range", "")
    offset = int(ranges.removeprefix("bytes=").rstrip("-") or 0)
    assert 0 < offset <= len(files["model.safetensors"]) // 2


def test_first_download_is_locked_and_held_to(hub_server, isolated, zoo_env):
    files = tiny_files("first")
    server = hub_server({REPO: {"main": files}})
    write_catalog(isolated, REPO, "main", files)
    entry = backbone("main", files)
    first = resolve(entry, get_zoo())
    assert lock_path() == isolated / "zoo.lock"
    record = read_record("backbone", "tiny", "hub")
    assert record is not None and record.revision == server.commit(REPO)
    assert dict(record.files) == {p: sha(d) for p, d in files.items()}

    # main moves on: zoo stays on the locked commit
    server.add_repo(REPO, {"main": tiny_files("second")})
    assert resolve(entry, get_zoo()).revision == first.revision

    # the locked commit's bytes change upstream and the cache is gone: refused
    import shutil
    shutil.rmtree(zoo_env.hf_home)
    server.tamper(REPO, "config.json", b'{"changed": true}')
    with pytest.raises(IntegrityError, match="config.json from hub has sha256"):
        resolve(entry, get_zoo())


def test_two_concurrent_pulls_leave_a_correct_cache(hub_server, isolated):
    import subprocess

    files = tiny_files()
    files["model.safetensors"] = b"w" * 3_000_000
    hub_server({REPO: {"main": files}})
    write_catalog(isolated, REPO, "main", files)
    cmd = [sys.executable, "-m", "zoo.cli.main", "pull", "tiny", "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    verify = subprocess.run([sys.executable, "-m", "zoo.cli.main", "cache", "verify", "tiny"],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    record = read_record("backbone", "tiny", "hub")
    assert record is not None and dict(record.files) == {p: sha(d) for p, d in files.items()}


def test_hf_token_is_sent_to_the_endpoint(hub_server, monkeypatch):
    files = tiny_files()
    server = hub_server({REPO: {"main": files}})
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    resolve(backbone("main", files), get_zoo())
    auth = {r.headers.get("Authorization") or r.headers.get("authorization")
            for r in server.state.requests if "/resolve/" in r.path}
    assert auth == {"Bearer hf_test_token"}


def test_a_dataset_resolves_from_a_hub_dataset_repo(hub_server):
    from zoo.catalog import Dataset, FileSpec, SourceSpec

    rows = b"text,label\ngood,1\nbad,0\n"
    server = hub_server({"org/reviews": {"main": {"train.csv": rows}}})
    entry = Dataset(name="reviews", files=(FileSpec("train.csv", sha(rows)),),
                    sources=(SourceSpec("hub", {"repo": "org/reviews"}),))
    snap = resolve(entry, get_zoo())
    assert (snap.path / "train.csv").read_bytes() == rows
    assert "datasets--org--reviews" in str(snap.origin)
    assert server.gets("/datasets/org/reviews/resolve/main/train.csv")


def test_moving_the_catalog_pin_records_the_new_commit(hub_server):
    old, new = tiny_files("old"), tiny_files("new")
    hub_server({REPO: {"1" * 40: old, "2" * 40: new}})
    resolve(backbone("1" * 40, old), get_zoo())
    assert read_record("backbone", "tiny", "hub").revision == "1" * 40
    snap = resolve(backbone("2" * 40, new), get_zoo())
    assert (snap.path / "config.json").read_bytes() == new["config.json"]
    record = read_record("backbone", "tiny", "hub")
    assert record.revision == "2" * 40
    assert dict(record.files) == {p: sha(d) for p, d in new.items()}


def _endpoint_catalog(folder, endpoint: str, files: dict[str, bytes]) -> None:
    """A ./zoo.toml as a cloned repository might carry: a backbone from its author's endpoint."""
    listed = ", ".join(f'"{p}"' for p in files)
    (folder / "zoo.toml").write_text(
        f'[backbones.theirs]\nrepo = "{REPO}"\nfiles = [{listed}]\n'
        f'[[backbones.theirs.sources]]\ntype = "hub"\nendpoint = "{endpoint}"\n', encoding="utf-8")


def test_hf_token_goes_to_hf_endpoint_but_not_to_an_endpoint_a_catalog_names(
        hub_server, isolated, monkeypatch):
    from zoo.app import get_zoo

    files = tiny_files()
    theirs = hub_server({REPO: {"main": files}})
    mine = tiny_files("mine")
    ours = hub_server({"org/mine": {"main": mine}})  # HF_ENDPOINT now points here
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    _endpoint_catalog(isolated, theirs.url, files)
    resolve(get_zoo().backbones.get("theirs"), get_zoo())
    assert theirs.gets("/resolve/main/config.json") and theirs.authorizations() == {None}

    resolve(backbone("main", mine, name="ours", repo="org/mine"), get_zoo())
    assert ours.authorizations() == {"Bearer hf_secret"}


def test_a_catalog_endpoint_is_not_sent_the_stored_login_token(hub_server, isolated, zoo_env,
                                                              zoo_cli):
    # huggingface_hub sends the token saved by `hf auth login` whenever it is given token=None.
    files = tiny_files()
    theirs = hub_server({REPO: {"main": files}})
    (zoo_env.hf_home / "token").write_text("hf_stored_secret", encoding="utf-8")
    _endpoint_catalog(isolated, theirs.url, files)
    done = zoo_cli("pull", "theirs", installed=True, env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert done.exit_code == 0, done.output
    assert theirs.gets("/resolve/main/config.json") and theirs.authorizations() == {None}


def test_a_private_repo_at_a_catalog_endpoint_says_the_token_is_not_sent_there(hub_server,
                                                                                monkeypatch):
    from zoo.catalog import SourceSpec

    theirs = hub_server({REPO: {"main": tiny_files()}})
    hub_server({})
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    entry = backbone("main", tiny_files(), repo="org/private",
                     sources=(SourceSpec("hub", {"endpoint": theirs.url}),))
    with pytest.raises(ZooError, match=r"not found at .* \(if it is private, know that HF_TOKEN "
                                       r"goes only to HF_ENDPOINT, never to a catalog's endpoint\)"):
        resolve(entry, get_zoo())
