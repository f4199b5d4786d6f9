"""Benchmark (issue 17): `zoo predict` as whole processes, the way a deployment runs it.

  one sentence  ``zoo predict RUN "text" --backend B``: wall seconds and peak resident
                memory of the process (from ``wait4``), --repeats times per backend, in turns
  a file        ``zoo predict RUN --file F --output O --backend B`` over --rows sentences
                (the run's validation sentences or --data's, repeated to fill): examples/s

Backends: torch (the default, bf16 where the CPU has it), onnx and onnx-int8 (those the
export has). Medians over the repeats; the run must have been exported (`zoo export RUN
--quantize int8`). The processes use every core the machine has.

    python benchmarks/predict_process.py RUN_DIR [--data FILE] [--rows 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from export_speed import sentences

SENTENCE = "a gorgeous, witty, seductive movie."


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one process."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: nothing waits on a reader
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode()[-500:]}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--data", type=Path, help="Sentences from here instead of the task's.")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    args = parser.parse_args()

    zoo = shutil.which("zoo") or "zoo"
    export = args.run_dir / "onnx"
    backends = [b for b in args.backends.split(",")
                if b == "torch" or (export / ("model_quantized.onnx" if b == "onnx-int8"
                                              else "model.onnx")).is_file()]
    single: dict[str, list[tuple[float, float]]] = {b: [] for b in backends}
    for _ in range(args.repeats):  # in turns, so a burst of load falls on every backend alike
        for backend in backends:
            single[backend].append(timed([zoo, "predict", str(args.run_dir), SENTENCE,
                                          "--backend", backend]))
    throughput: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.txt"
        rows.write_text("\n".join(t.replace("\n", " ") for t in
                                  sentences(args.run_dir, args.data, args.rows)) + "\n")
        for backend in backends:
            wall, _ = timed([zoo, "predict", str(args.run_dir), "--file", str(rows), "--output",
                             str(Path(tmp) / f"{backend}.jsonl"), "--backend", backend,
                             "--no-progress"])
            throughput[backend] = args.rows / wall
    print(f"{'backend':<12}{'1 sentence s':>14}{'range':>16}{'peak MiB':>10}"
          f"{f'--file {args.rows} rows/s':>22}")
    figures = {}
    for backend in backends:
        walls = [w for w, _ in single[backend]]
        peaks = [m for _, m in single[backend]]
        figures[backend] = {"wall_s": walls, "peak_mib": peaks,
                            "file_examples_per_s": throughput[backend]}
        print(f"{backend:<12}{statistics.median(walls):>14.2f}"
              f"{f'{min(walls):.2f}-{max(walls):.2f}':>16}{statistics.median(peaks):>10.0f}"
              f"{throughput[backend]:>22.0f}")
    print(json.dumps({"rows": args.rows, "repeats": args.repeats, "cores": os.cpu_count(),
                      "figures": figures}, indent=2))


if __name__ == "__main__":
    main()
