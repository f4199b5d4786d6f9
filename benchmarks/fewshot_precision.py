"""Benchmark: zoo's small-data default (``fewshot`` below 512 rows) with ``--bf16`` against
``--no-bf16``: test accuracy and the wall time of the whole ``zoo adapt``.

The same samples as ``learning_curve.py`` (class-balanced training rows per seed, the full
test split, a 64-row validation sample, hard labels); each (size, seed) trains once in each
precision, the first of the two alternating, so a machine that drifts favours neither.
Prints one line per run, then per size the mean accuracy of each precision, the per-seed
differences and the median of the per-seed time ratios (fp32 / bf16), and writes them as JSON.

    cd benchmarks
    python fewshot_precision.py [--task sentiment] [--backbone minilm-l6] [--sizes 16,64,256]
        [--seeds 0,1,2] [--json ../docs/fewshot-precision.json]

bf16 is autocast on a CPU with AVX512-BF16 or AMX; elsewhere it is emulated, and slower.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from catalog_data import catalog_snapshot, task_data
from learning_curve import VALIDATION_ROWS, balanced, run_zoo

PRECISIONS = {"bf16": True, "fp32": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="sentiment")
    parser.add_argument("--backbone", default="minilm-l6")
    parser.add_argument("--sizes", default="16,64,256")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", type=Path, default=Path("../docs/fewshot-precision.json"))
    args = parser.parse_args()
    from zoo.engine.precision import cpu_has_bf16

    full = task_data(args.task, hard_labels=True)
    snapshot = catalog_snapshot(args.backbone)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for turn, seed in enumerate(int(s) for s in args.seeds.split(",")):
                data = dataclasses.replace(
                    full, train=balanced(full.train, size, seed),
                    validation=balanced(full.validation, VALIDATION_ROWS, seed))
                order = list(PRECISIONS) if turn % 2 == 0 else list(reversed(PRECISIONS))
                for precision in order:
                    start = time.perf_counter()
                    accuracy, _ = run_zoo(snapshot, args.backbone, args.task, data, seed,
                                          Path(tmp), None, bf16=PRECISIONS[precision])
                    seconds = time.perf_counter() - start
                    runs.append({"rows": size, "seed": seed, "precision": precision,
                                 "accuracy": accuracy, "seconds": seconds})
                    print(f"rows {size:4d} seed {seed} {precision}: test accuracy "
                          f"{accuracy:.4f} in {seconds:.0f} s", flush=True)
    summary = summarise(runs)
    for row in summary:
        print(f"rows {row['rows']:4d}: bf16 {row['bf16_accuracy']:.4f}, fp32 "
              f"{row['fp32_accuracy']:.4f} (bf16 - fp32 per seed: "
              + ", ".join(f"{d:+.1f}" for d in row["differences_points"])
              + f" points); fp32 takes {row['median_time_ratio']:.2f}x bf16's time")
    args.json.write_text(json.dumps({"task": args.task, "backbone": args.backbone,
                                     "cpu_has_bf16": cpu_has_bf16(), "runs": runs,
                                     "summary": summary}, indent=2) + "\n")


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per training size: mean accuracy per precision, bf16 - fp32 per seed (points), and
    the median over seeds of fp32's time over bf16's."""
    out = []
    for size in sorted({r["rows"] for r in runs}):
        pairs = {}
        for r in runs:
            if r["rows"] == size:
                pairs.setdefault(r["seed"], {})[r["precision"]] = r
        seeds = sorted(pairs)
        out.append({
            "rows": size, "seeds": seeds,
            "bf16_accuracy": statistics.mean(pairs[s]["bf16"]["accuracy"] for s in seeds),
            "fp32_accuracy": statistics.mean(pairs[s]["fp32"]["accuracy"] for s in seeds),
            "differences_points": [round(100 * (pairs[s]["bf16"]["accuracy"]
                                                - pairs[s]["fp32"]["accuracy"]), 2)
                                   for s in seeds],
            "median_time_ratio": statistics.median(
                pairs[s]["fp32"]["seconds"] / pairs[s]["bf16"]["seconds"] for s in seeds)})
    return out


if __name__ == "__main__":
    main()
