"""Benchmark (issue 17): prediction latency of an exported run on each path, against plain
transformers fp32 in the same process.

Paths, each at batch 1 and batch 32 on the run's own validation sentences (or --data):
  transformers fp32  the run in plain transformers, torch.no_grad (the baseline):
                     AutoModelForSequenceClassification, or for a mean-pooled run (a
                     sentence-transformers folder) AutoModel, mean pooling and head.safetensors
  torch bf16         the same model under bf16 autocast
  onnx fp32          onnx/model.onnx on ONNX Runtime, tokenized by the tokenizers library
  onnx int8          onnx/model_quantized.onnx, when the export has one
The paths take turns: in each of --repeats rounds every path, at every batch size, makes
--warmup untimed calls (the previous path's worker threads may still be spinning: torch's and
ONNX Runtime's pools share the cores), then --calls timed ones, so a burst of load on a shared
machine falls on all of them alike. An ONNX path's session is opened for its turn and closed
after it, as a deployment holds one: two sessions alive at once keep two thread pools that
contend for the cores (--together keeps every session open throughout, to show it). Each figure
is the median of all timed calls; each ratio against transformers fp32 is the median of the
rounds' ratios of block medians. The run must have been exported first
(`zoo export RUN [--quantize int8]`).

    python benchmarks/export_speed.py RUN_DIR [--data FILE] [--threads 2] [--repeats 5] [--calls 10]
                                      [--together]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


Predict = Callable[[Sequence[str]], Any]
#: Opens a path for its turn; what it returns is dropped when the turn ends.
Open = Callable[[], Predict]


def kept(call: Predict) -> Open:
    """An opener that hands back a path already open."""
    return lambda: call


def rounds(paths: dict[str, Open], texts: list[str], batches: list[int], warmup: int,
           calls: int, repeats: int,
           together: bool = False) -> dict[str, dict[int, list[list[float]]]]:
    """Seconds per call: in each of ``repeats`` rounds, every path is opened, then at every
    batch size makes ``warmup`` untimed calls and ``calls`` timed ones, then is closed
    (``together``: every path is opened once, before the first round, and stays open)."""
    times: dict[str, dict[int, list[list[float]]]] = {
        name: {b: [] for b in batches} for name in paths}
    if together:
        paths = {name: kept(open_path()) for name, open_path in paths.items()}
    for _ in range(repeats):
        for name, open_path in paths.items():
            call = open_path()
            for b in batches:
                for _ in range(warmup):
                    call(texts[:b])
                block = []
                for _ in range(calls):
                    start = time.perf_counter()
                    call(texts[:b])
                    block.append(time.perf_counter() - start)
                times[name][b].append(block)
            del call
            gc.collect()  # the session and its thread pool go before the next path's
    return times


def plain_model(run_dir: Path) -> Any:
    """The run as plain transformers loads it: a mean-pooled run is AutoModel, mean pooling
    and the head's safetensors (its card's sentence-transformers code, without that library)."""
    import torch
    from transformers import AutoModel, AutoModelForSequenceClassification

    if not (run_dir / "modules.json").is_file():
        return AutoModelForSequenceClassification.from_pretrained(str(run_dir)).eval()
    from safetensors.torch import load_file

    from zoo.plugins.text.pooled import mean_pool

    encoder = AutoModel.from_pretrained(str(run_dir)).eval()
    head = load_file(str(run_dir / "head.safetensors"))

    def forward(**batch: Any) -> Any:
        pooled = mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"])
        return torch.nn.functional.linear(pooled, head["weight"], head["bias"])

    return forward


def torch_paths(run_dir: Path) -> dict[str, Open]:
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(run_dir))
    model = plain_model(run_dir)

    def fp32(texts: Sequence[str]) -> Any:
        with torch.no_grad():
            return model(**tokenizer(list(texts), padding=True, truncation=True,
                                     return_tensors="pt"))

    def bf16(texts: Sequence[str]) -> Any:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            return model(**tokenizer(list(texts), padding=True, truncation=True,
                                     return_tensors="pt"))

    # One model in memory serves both: loading it is not what is timed.
    return {"transformers fp32": kept(fp32), "torch bf16": kept(bf16)}


def onnx_paths(run_dir: Path, threads: int) -> dict[str, Open]:
    from zoo import get_zoo
    from zoo.onnx_backend import EXPORT_DIR, QUANTIZED, load_onnx_run

    zoo = get_zoo()

    def opener(quantized: bool) -> Open:
        return lambda: load_onnx_run(run_dir, zoo, quantized=quantized, threads=threads).logits

    paths = {"onnx fp32": opener(False)}
    if (run_dir / EXPORT_DIR / QUANTIZED).is_file():
        paths["onnx int8"] = opener(True)
    return paths


#: CPU features that decide which path wins: bf16 and int8 matrix units (AMX), and the
#: AVX-512 instructions for bf16 and int8 dot products.
FEATURES = ("amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni")


def machine() -> dict[str, Any]:
    """The CPU the figures come from (Linux's /proc/cpuinfo; elsewhere what platform says)."""
    import platform

    info = {"cpu": platform.processor() or platform.machine(), "features": []}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        pairs = (line.split(":", 1) for line in cpuinfo.read_text().splitlines() if ":" in line)
        fields = {key.strip(): value.strip() for key, value in pairs}
        flags = set(fields.get("flags", "").split())
        info = {"cpu": fields.get("model name", info["cpu"]),
                "features": [f for f in FEATURES if f in flags]}
    return info


def sentences(run_dir: Path, data: Path | None, n: int) -> list[str]:
    from zoo import get_zoo
    from zoo.run_data import run_examples
    from zoo.rundir import read_run

    run = read_run(run_dir)
    zoo = get_zoo()
    examples = run_examples(run, zoo, split="validation", data=data).examples
    texts = [e.input for e in examples]
    return (texts * (n // max(len(texts), 1) + 1))[:n]


def timing_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a latency benchmark over an exported run (this one's, ort_settings')."""
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--data", type=Path, help="Sentences from here instead of the task's.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", default="1,32")


def summarise(times: dict[str, dict[int, list[list[float]]]], batches: list[int],
              baseline: Callable[[str], str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Median seconds per path and batch size, and the median of the rounds' speed-ups
    against ``baseline(path)``'s block medians in the same round."""
    medians = {name: {b: statistics.median(x for block in t[b] for x in block) for b in batches}
               for name, t in times.items()}
    blocks = {name: {b: [statistics.median(block) for block in t[b]] for b in batches}
              for name, t in times.items()}
    ratios = {name: {b: statistics.median(f / p for f, p in zip(blocks[baseline(name)][b], t[b]))
                     for b in batches}
              for name, t in blocks.items()}
    return medians, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    timing_arguments(parser)
    parser.add_argument("--together", action="store_true",
                        help="Keep every ONNX Runtime session open throughout, not one per turn.")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    batches = [int(b) for b in args.batches.split(",")]
    texts = sentences(args.run_dir, args.data, max(batches))
    paths = {**torch_paths(args.run_dir), **onnx_paths(args.run_dir, args.threads)}
    times = rounds(paths, texts, batches, args.warmup, args.calls, args.repeats,
                   args.together)
    medians, ratios = summarise(times, batches, lambda name: "transformers fp32")
    print(f"{'path':<20}" + "".join(f"{'batch ' + str(b) + ' ms':>14}{'x fp32':>9}" for b in batches))
    for name in paths:
        print(f"{name:<20}" + "".join(f"{medians[name][b] * 1e3:>14.2f}{ratios[name][b]:>9.2f}"
                                      for b in batches))
    print(json.dumps({"machine": machine(), "threads": args.threads, "repeats": args.repeats,
                      "calls": args.calls,
                      "sessions": "together" if args.together else "one per turn",
                      "median_seconds": medians, "median_ratio": ratios}, indent=2))


if __name__ == "__main__":
    main()
