"""Benchmark (issue 17): what each of the session settings zoo records for an export
(``zoo.onnx_backend.SESSION``) is worth, against ONNX Runtime's defaults, in the same process.

For each model of the export (fp32, and int8 when there is one) and each combination of the
two settings, at batch 1 and 32 on the run's validation sentences (or --data's):
  denormals   ``session.set_denormal_as_zero``: denormal floats flushed to zero
  skip-norm   ``SkipLayerNormFusion`` left out: Add and LayerNormalization not fused
The combinations take turns in --repeats rounds (each opens its session, makes --warmup
untimed calls and --calls timed ones, then closes it); figures are medians, and each ratio is
the median of the rounds' ratios against ONNX Runtime's defaults. Needs `zoo export RUN` first.

    python benchmarks/ort_settings.py RUN_DIR [--data FILE] [--threads 2] [--repeats 5] [--calls 10]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

from export_speed import machine, rounds, sentences, summarise, timing_arguments

#: The settings, each with what it adds to a record's ``session`` when on.
SETTINGS = {"denormals": ("config", {"session.set_denormal_as_zero": "1"}),
            "skip-norm": ("disabled_optimizers", ["SkipLayerNormFusion"])}


def combinations() -> dict[str, dict[str, Any]]:
    """Every on/off combination of SETTINGS as a record's ``session``, named by what is on."""
    out = {}
    for on in itertools.product((False, True), repeat=len(SETTINGS)):
        session: dict[str, Any] = {}
        for (name, (key, value)), enabled in zip(SETTINGS.items(), on):
            if enabled:
                session[key] = value
        names = [name for name, enabled in zip(SETTINGS, on) if enabled]
        out[" + ".join(names) or "defaults"] = session
    return out


def opener(run_dir: Path, model_file: str, session: dict[str, Any], threads: int) -> Any:
    from zoo import get_zoo
    from zoo.onnx_backend import EXPORT_DIR, RECORD, OnnxModel, onnx_domain

    folder = run_dir / EXPORT_DIR
    record = {**json.loads((folder / RECORD).read_text()), "session": session}
    zoo = get_zoo()

    def open_path() -> Any:
        return OnnxModel.open(folder, record, onnx_domain(zoo, record["domain"]),
                              zoo.heads.get(record["head"]), model_file, threads).logits

    return open_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    timing_arguments(parser)
    args = parser.parse_args()

    from zoo.onnx_backend import EXPORT_DIR, MODEL, QUANTIZED

    batches = [int(b) for b in args.batches.split(",")]
    texts = sentences(args.run_dir, args.data, max(batches))
    models = [m for m in (MODEL, QUANTIZED) if (args.run_dir / EXPORT_DIR / m).is_file()]
    paths = {f"{model} {name}": opener(args.run_dir, model, session, args.threads)
             for model in models for name, session in combinations().items()}
    times = rounds(paths, texts, batches, args.warmup, args.calls, args.repeats)
    medians, ratios = summarise(times, batches, lambda name: f"{name.split()[0]} defaults")
    print(f"{'model and settings':<44}"
          + "".join(f"{'batch ' + str(b) + ' ms':>14}{'x dflt':>8}" for b in batches))
    for name in paths:
        print(f"{name:<44}" + "".join(f"{medians[name][b] * 1e3:>14.2f}{ratios[name][b]:>8.2f}"
                                      for b in batches))
    print(json.dumps({"machine": machine(), "threads": args.threads, "repeats": args.repeats,
                      "calls": args.calls, "median_seconds": medians, "median_speedup": ratios},
                     indent=2))


if __name__ == "__main__":
    main()
