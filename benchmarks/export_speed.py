"""Benchmark (issue 17): prediction latency of an exported run on each path, against plain
transformers fp32 in the same process.

Paths, each at batch 1 and batch 32 on the run's own validation sentences (or --data):
  transformers fp32  AutoModelForSequenceClassification, torch.no_grad (the baseline)
  torch bf16         the same model under bf16 autocast
  onnx fp32          onnx/model.onnx on ONNX Runtime, tokenized by the tokenizers library
  onnx int8          onnx/model_quantized.onnx, when the export has one
Each figure is the median of --repeats timed calls after --warmup untimed ones; every speed is
printed as a ratio against transformers fp32 at the same batch size. The run must have been
exported first (`zoo export RUN [--quantize int8]`).

    python benchmarks/export_speed.py RUN_DIR [--data FILE] [--threads 2] [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def median_seconds(call: Callable[[], Any], warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_paths(run_dir: Path) -> dict[str, Callable[[Sequence[str]], Any]]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(run_dir))
    model = AutoModelForSequenceClassification.from_pretrained(str(run_dir)).eval()

    def fp32(texts: Sequence[str]) -> Any:
        with torch.no_grad():
            return model(**tokenizer(list(texts), padding=True, truncation=True,
                                     return_tensors="pt")).logits

    def bf16(texts: Sequence[str]) -> Any:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            return model(**tokenizer(list(texts), padding=True, truncation=True,
                                     return_tensors="pt")).logits

    return {"transformers fp32": fp32, "torch bf16": bf16}


def onnx_paths(run_dir: Path, threads: int) -> dict[str, Callable[[Sequence[str]], Any]]:
    from zoo import get_zoo
    from zoo.onnx_backend import EXPORT_DIR, QUANTIZED, load_onnx_run

    paths = {"onnx fp32": load_onnx_run(run_dir, get_zoo(), threads=threads).logits}
    if (run_dir / EXPORT_DIR / QUANTIZED).is_file():
        paths["onnx int8"] = load_onnx_run(run_dir, get_zoo(), quantized=True, threads=threads).logits
    return paths


def sentences(run_dir: Path, data: Path | None, n: int) -> list[str]:
    from zoo import get_zoo
    from zoo.run_data import run_examples
    from zoo.rundir import read_run

    run = read_run(run_dir)
    zoo = get_zoo()
    examples = run_examples(run, zoo, split="validation", data=data)
    texts = [e.input for e in examples]
    return (texts * (n // max(len(texts), 1) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--data", type=Path, help="Sentences from here instead of the task's.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--batches", default="1,32")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    batches = [int(b) for b in args.batches.split(",")]
    texts = sentences(args.run_dir, args.data, max(batches))
    paths = {**torch_paths(args.run_dir), **onnx_paths(args.run_dir, args.threads)}
    results: dict[str, dict[int, float]] = {}
    for name, call in paths.items():
        results[name] = {b: median_seconds(lambda b=b, call=call: call(texts[:b]),
                                           args.warmup, args.repeats) for b in batches}
    base = results["transformers fp32"]
    print(f"{'path':<20}" + "".join(f"{'batch ' + str(b) + ' ms':>14}{'x fp32':>9}" for b in batches))
    for name, figures in results.items():
        print(f"{name:<20}" + "".join(f"{figures[b] * 1e3:>14.2f}{base[b] / figures[b]:>9.2f}"
                                      for b in batches))
    print(json.dumps({"threads": args.threads, "repeats": args.repeats,
                      "median_seconds": results}, indent=2))


if __name__ == "__main__":
    main()
