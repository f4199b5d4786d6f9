"""The folder an entry loads from: built once per set of hashes, rebuilt when it changed, and
kept when another process (a rank of the same run) finished it first."""

from __future__ import annotations

import os

from helpers import sha

from zoo import verified


def test_a_folder_another_process_finished_meanwhile_is_kept(zoo_env, tmp_path, monkeypatch):
    source = tmp_path / "a.txt"
    source.write_bytes(b"verified bytes")
    hashes = {"a.txt": sha(b"verified bytes")}
    place, raced = verified._place, []

    def racing(src, target):
        if not raced:  # the other process builds and finishes the folder while this one links
            raced.append(None)
            theirs = verified.verified_folder("dataset", "d", {"a.txt": source}, hashes)
            raced[0] = (theirs, os.stat(theirs).st_ino)
        place(src, target)

    monkeypatch.setattr(verified, "_place", racing)
    folder = verified.verified_folder("dataset", "d", {"a.txt": source}, hashes)
    theirs, inode = raced[0]
    assert folder == theirs and os.stat(folder).st_ino == inode  # not replaced under them
    assert verified.listed_files(folder) == {"a.txt"}
    assert not list(folder.parent.glob(".*"))  # nothing left aside


def test_a_changed_folder_is_rebuilt_with_the_verified_files_alone(zoo_env, tmp_path):
    source = tmp_path / "a.txt"
    source.write_bytes(b"verified bytes")
    hashes = {"a.txt": sha(b"verified bytes")}
    folder = verified.verified_folder("dataset", "d", {"a.txt": source}, hashes)
    (folder / "a.txt").unlink()
    (folder / "a.txt").symlink_to(tmp_path / "elsewhere")
    (folder / "extra.json").write_text("{}")
    again = verified.verified_folder("dataset", "d", {"a.txt": source}, hashes)
    assert again == folder and verified.listed_files(again) == {"a.txt"}
    assert not (again / "a.txt").is_symlink()
    assert os.path.samefile(again / "a.txt", source)
