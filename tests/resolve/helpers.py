"""Small builders shared by the resolver tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from zoo.catalog import Backbone, FileSpec

REPO = "org/tiny"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tiny_files(tag: str = "v1") -> dict[str, bytes]:
    """Stand-in files of a backbone; distinct per ``tag`` so revisions differ."""
    return {
        "config.json": f'{{"model_type": "bert", "tag": "{tag}"}}'.encode(),
        "model.safetensors": (f"weights-{tag}-".encode() * 4000),
        "vocab.txt": b"[PAD]\n[UNK]\nhello\n",
    }


def backbone(revision: str, files: dict[str, bytes], *, hashed: tuple[str, ...] = (),
             repo: str = REPO, name: str = "tiny", sources: tuple = ()) -> Backbone:
    """A backbone entry for ``repo``; the files in ``hashed`` carry their sha256."""
    specs = tuple(FileSpec(p, sha(d) if p in hashed else None) for p, d in files.items())
    return Backbone(name=name, repo=repo, revision=revision, files=specs, sources=sources)


def write_catalog(folder: Path, repo: str, revision: str, files: dict[str, bytes],
                  name: str = "tiny") -> Path:
    """A user zoo.toml naming one backbone (so the lock file lands beside it)."""
    listed = ", ".join(f'"{p}"' for p in files)
    path = folder / "zoo.toml"
    path.write_text(f'[backbones.{name}]\nrepo = "{repo}"\nrevision = "{revision}"\n'
                    f"files = [{listed}]\n", encoding="utf-8")
    return path
