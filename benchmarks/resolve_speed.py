"""What resolving costs: a cold pull through the loopback Hub, and a warm resolve (cache hit,
every file re-hashed), each against the baseline of only hashing the same bytes.

A warm resolve should cost little more than hashing: the ratio says how much the resolver,
lock file and records add. Figures are medians of N runs in one process.

    python benchmarks/resolve_speed.py [--mb 100] [--runs 7]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from zoo import get_zoo, reset_zoo
from zoo.catalog import Backbone, FileSpec
from zoo.integrity import sha256_file
from zoo.resolve import resolve
from zoo.testing.hubserver import HubServer


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100, help="size of the weights file")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    weights = os.urandom(1 << 20) * args.mb
    files = {"config.json": b'{"model_type": "bert"}', "model.safetensors": weights,
             "vocab.txt": b"[PAD]\n[UNK]\n"}
    entry = Backbone(name="bench", repo="bench/model", revision="main",
                     files=tuple(FileSpec(p, hashlib.sha256(d).hexdigest()) for p, d in files.items()))
    server = HubServer({"bench/model": {"main": files}})
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    os.environ.update(HF_ENDPOINT=server.url, HF_HOME=str(work / "hf"), ZOO_HOME=str(work / "zoo"))
    os.chdir(work)
    reset_zoo()
    try:
        def cold() -> None:
            shutil.rmtree(work / "hf", ignore_errors=True)
            shutil.rmtree(work / "zoo", ignore_errors=True)
            resolve(entry, get_zoo())

        cold_s = median_seconds(cold, args.runs)
        snap = resolve(entry, get_zoo())
        warm_s = median_seconds(lambda: resolve(entry, get_zoo()), args.runs)
        hash_s = median_seconds(lambda: [sha256_file(snap.path / p) for p in files], args.runs)
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    mb = sum(len(d) for d in files.values()) / (1 << 20)
    print(f"entry of {mb:.0f} MiB, median of {args.runs} runs")
    print(f"hash only (baseline): {hash_s * 1000:8.1f} ms  ({mb / hash_s:.0f} MiB/s)")
    print(f"warm resolve:         {warm_s * 1000:8.1f} ms  ({warm_s / hash_s:.2f}x baseline)")
    print(f"cold pull (loopback): {cold_s * 1000:8.1f} ms  ({cold_s / hash_s:.2f}x baseline)")


if __name__ == "__main__":
    main()
