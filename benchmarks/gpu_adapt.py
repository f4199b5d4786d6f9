"""Benchmark: the default sentiment adaptation (``zoo adapt minilm-l6 --task sentiment``) on
a GPU against the same run on the CPU: examples/s, test accuracy, the precision each used.

Each run is ``zoo adapt`` as a user types it (a subprocess), with ``--device cuda`` and
``--device cpu``; figures come from the runs' metrics.json and run.json. Without CUDA it says
so and trains nothing.

    python benchmarks/gpu_adapt.py [--strategy full] [--epochs N] [--no-cpu]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ZOO = Path(sys.executable).with_name("zoo")


def adapt(device: str, strategy: str, epochs: int | None, out: Path) -> dict:
    """One run on ``device``: its examples/s, test accuracy, precision and wall time."""
    args = [str(ZOO), "adapt", "minilm-l6", "--task", "sentiment", "--strategy", strategy,
            "--device", device, "--output", str(out), "--no-progress", "--json"]
    if epochs:
        args += ["--epochs", str(epochs)]
    summary = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    metrics = json.loads((out / "metrics.json").read_text())
    run = json.loads((out / "run.json").read_text())
    return {"device": run["device"], "precision": run["mixed_precision"],
            "examples_per_second": metrics["examples_per_second"],
            "accuracy": metrics["test"]["accuracy"], "wall_seconds": summary["wall_seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="full")
    parser.add_argument("--epochs", type=int, default=None, help="[default: the strategy's]")
    parser.add_argument("--no-cpu", action="store_true", help="Skip the CPU run.")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(f"NO GPU: torch {torch.__version__} sees no CUDA device on this machine, so "
              "there is nothing to compare; nothing was trained. Run this where "
              "torch.cuda.is_available() is True (a CUDA build of torch).")
        return
    print(f"GPU: {torch.cuda.get_device_name(0)}")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for device in ("cuda",) if args.no_cpu else ("cuda", "cpu"):
            rows[device] = adapt(device, args.strategy, args.epochs, Path(tmp) / device)
            print(json.dumps({device: rows[device]}), flush=True)
    print(f"\n{'device':8} {'precision':10} {'examples/s':>11} {'accuracy':>9} {'wall s':>8}")
    for device, r in rows.items():
        print(f"{r['device']:8} {r['precision']:10} {r['examples_per_second']:11.1f} "
              f"{r['accuracy']:9.4f} {r['wall_seconds']:8.1f}")
    if "cpu" in rows:
        speedup = rows["cuda"]["examples_per_second"] / rows["cpu"]["examples_per_second"]
        gap = rows["cuda"]["accuracy"] - rows["cpu"]["accuracy"]
        print(f"\nGPU speed-up: {speedup:.1f}x examples/s; accuracy GPU - CPU: {gap:+.4f}")


if __name__ == "__main__":
    main()
