"""Benchmark: the default sentiment run (``zoo adapt minilm-l6 --task sentiment``) as one
process against two (``torchrun --nproc-per-node 2``) on this machine, and what the
experiment trackers cost per step.

  scaling   examples/s of 1 process with 1 thread, 1 process with 2 threads, and 2 processes
            with 1 thread each (gloo); the 2-process speed-up over each, and the scaling
            efficiency: 2-process examples/s over twice the 1-process, 1-thread figure.
  trackers  one run with ``--report-to tensorboard,mlflow``: the time the trackers took per
            step against the rest of the step, in the same run (target: under 2%).

Every run is ``zoo adapt`` in a subprocess; figures come from its metrics.json. Runs are one
after the other, never two at once (each wants every core).

    python benchmarks/scaling.py [--only scaling,trackers] [--epochs N] [--max-steps N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ZOO = Path(sys.executable).with_name("zoo")


def _port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def adapt(out: Path, processes: int, threads: int, extra: list[str]) -> dict:
    """One run; its metrics.json."""
    args = ["adapt", "minilm-l6", "--task", "sentiment", "--output", str(out), "--threads",
            str(threads), "--no-progress", "--json", *extra]
    if processes == 1:
        command = [str(ZOO), *args]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node",
                   str(processes), "--master-addr", "127.0.0.1", "--master-port", _port(),
                   "-m", "zoo.cli.main", *args]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return json.loads((out / "metrics.json").read_text())


def scaling(tmp: Path, extra: list[str]) -> None:
    rates = {}
    for name, processes, threads in (("1 process, 1 thread", 1, 1),
                                     ("1 process, 2 threads", 1, 2),
                                     ("2 processes, 1 thread each", 2, 1)):
        metrics = adapt(tmp / f"p{processes}t{threads}", processes, threads, extra)
        rates[name] = metrics["examples_per_second"]
        print(f"{name:28} {rates[name]:8.1f} examples/s  test accuracy "
              f"{metrics['test']['accuracy']:.4f}", flush=True)
    two, one, both = (rates["2 processes, 1 thread each"], rates["1 process, 1 thread"],
                      rates["1 process, 2 threads"])
    print(f"2 processes over 1 process with 2 threads: {two / both:.2f}x")
    print(f"scaling efficiency (2 processes / (2 x 1 process, 1 thread)): {two / (2 * one):.1%}")


def trackers(tmp: Path, extra: list[str]) -> None:
    metrics = adapt(tmp / "tracked", 1, os.cpu_count() or 1,
                    [*extra, "--report-to", "tensorboard,mlflow"])
    steps, spent = metrics["steps"], metrics["tracker_seconds"]
    rest = metrics["train_seconds"] - spent
    print(f"trackers on: {1000 * spent / steps:.2f} ms per step against "
          f"{1000 * rest / steps:.1f} ms for the rest of the step: "
          f"{spent / rest:.2%} overhead (target: under 2%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="scaling,trackers")
    parser.add_argument("--epochs", type=int, default=None, help="[default: the strategy's]")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="Stop each run after N steps (quicker, noisier).")
    args = parser.parse_args()
    extra = (["--epochs", str(args.epochs)] if args.epochs else []) + (
        ["--max-steps", str(args.max_steps)] if args.max_steps else [])
    parts = {"scaling": scaling, "trackers": trackers}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            print(f"== {name}", flush=True)
            parts[name](Path(tmp), extra)


if __name__ == "__main__":
    main()
