"""Benchmark (issue 4): ``zoo adapt`` on the real all-MiniLM-L6-v2 and the catalog's movie-review
sentiment data, against itself at its defaults and against an equivalent transformers
``Trainer`` (and peft) script.

Two parts, both on the catalog's splits (the test set every ``zoo adapt --task sentiment``
reports):
  defaults  ``zoo adapt minilm-l6 --task sentiment`` exactly as a user types it (a subprocess,
            timed wall to wall), for ``full`` and ``lora``, once per ``--seeds`` seed: test
            accuracy (target: 0.86), wall time (target: under 5 minutes), the LoRA - full gap
            (target: within 1.5 points).
  trainer   zoo's engine and the Trainer one after the other in this process, with the same
            model, data, epochs, batch size, maximum length, learning rate, warmup, decay,
            weight decay, clipping and best-epoch selection: accuracy, wall time, examples/s,
            speed-up (targets: 2x for full, 5x for freeze over 3 epochs, accuracy within 1
            point), the freeze later-epoch cost, and the share of the machine's measured matmul
            throughput that full training reaches.

    python benchmarks/adapt_sentiment.py [--only defaults,full,freeze,lora] [--seeds 0,1,2]
                                         [--trainer-seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from catalog_data import catalog_snapshot, task_data

ZOO = Path(sys.executable).with_name("zoo")
#: Epochs of the Trainer comparison, per strategy (freeze: the issue's 3).
TRAINER_EPOCHS = {"full": 1, "freeze": 3, "lora": 1}


def matmul_gflops(threads: int) -> dict[str, float]:
    """The machine's measured peak: median GFLOP/s of 1024^3 matmuls, fp32 and bf16."""
    import torch

    torch.set_num_threads(threads)
    out = {}
    for dtype in (torch.float32, torch.bfloat16):
        a, b = torch.randn(1024, 1024, dtype=dtype), torch.randn(1024, 1024, dtype=dtype)
        for _ in range(3):
            a @ b
        times = []
        for _ in range(10):
            t = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t)
        out[str(dtype).split(".")[-1]] = 2 * 1024 ** 3 / statistics.median(times) / 1e9
    return out


def matmul_parameters(snapshot: Path) -> int:
    """The backbone's parameters that take part in matmuls: all but the embedding tables,
    which are looked up, not multiplied (half of MiniLM's 22.7M)."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(snapshot))
    return sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)


def run_cli(strategy: str, seed: int, output: Path) -> dict[str, Any]:
    """``zoo adapt minilm-l6 --task sentiment`` at its defaults, timed as the user waits for it."""
    start = time.perf_counter()
    subprocess.run([str(ZOO), "adapt", "minilm-l6", "--task", "sentiment", "--strategy", strategy,
                    "--seed", str(seed), "--output", str(output), "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    metrics = json.loads((output / "metrics.json").read_text())
    return {"accuracy": metrics["test"]["accuracy"], "wall_s": wall,
            "best_epoch": metrics.get("best_epoch"), "epochs": len(metrics.get("history", []))}


def defaults(seeds: list[int], work: Path) -> None:
    results: dict[str, list[dict[str, Any]]] = {"full": [], "lora": []}
    for seed in seeds:
        for strategy in results:
            r = run_cli(strategy, seed, work / f"defaults-{strategy}-{seed}")
            results[strategy].append(r)
            print(f"defaults {strategy} seed {seed}: test accuracy {r['accuracy']:.4f}, "
                  f"wall {r['wall_s']:.0f} s, best epoch {r['best_epoch']} of {r['epochs']}",
                  flush=True)
    for strategy, rows in results.items():
        accs = [r["accuracy"] for r in rows]
        walls = [r["wall_s"] for r in rows]
        print(f"defaults {strategy}: median test accuracy {statistics.median(accs):.4f} "
              f"(mean {statistics.mean(accs):.4f}, {len(accs)} seeds), median wall "
              f"{statistics.median(walls):.0f} s, max {max(walls):.0f} s")
    gaps = [f["accuracy"] - lo["accuracy"] for f, lo in zip(results["full"], results["lora"])]
    print(f"defaults: full - lora per seed {', '.join(f'{100 * g:+.2f}' for g in gaps)} points; "
          f"median {100 * statistics.median(gaps):+.2f} (target: within 1.5)")


def zoo_config(epochs: int, lr: float, head_lr_scale: float, max_length: int, batch: int,
               seed: int) -> Any:
    from zoo.engine import TrainConfig

    return TrainConfig(epochs=epochs, lr=lr, head_lr_scale=head_lr_scale, batch_size=batch,
                       max_length=max_length, seed=seed, progress=False, patience=0,
                       checkpoint_every=0)


def run_zoo(snapshot: Path, data: Any, strategy: str, config: Any, output: Path) -> dict[str, Any]:
    from zoo.adapt import adapt_snapshot
    from zoo.snapshot import Snapshot
    from zoo.catalog import Task

    task = Task(name="sentiment", head="classification", labels=tuple(data.labels))
    start = time.perf_counter()
    r = adapt_snapshot(Snapshot.folder(snapshot, "minilm-l6"), task, data, strategy=strategy,
                       config=config, output=output).result
    return {"accuracy": r.test["accuracy"], "wall_s": time.perf_counter() - start,
            "train_s": r.train_seconds, "feature_s": r.feature_seconds, "epoch_s": r.epoch_seconds,
            "ex_per_s": r.examples_per_second, "bf16": r.bf16}


def run_trainer(snapshot: Path, data: Any, strategy: str, config: Any, output: Path) -> dict[str, Any]:
    """The equivalent plain script: Trainer with dynamic padding, fp32 (its default), the same
    hyperparameters as zoo's run, and the best epoch on validation kept, as zoo keeps it."""
    import numpy as np
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                              DataCollatorWithPadding, Trainer, TrainingArguments)

    from zoo import get_zoo
    from zoo.engine.schedule import head_parameters, param_groups

    torch.manual_seed(config.seed)
    tok = AutoTokenizer.from_pretrained(str(snapshot))
    start = time.perf_counter()
    model = AutoModelForSequenceClassification.from_pretrained(str(snapshot),
                                                               num_labels=len(data.labels))
    if strategy == "freeze":
        # zoo's freeze: the backbone frozen but for the pooler its classifier reads through
        for name, p in model.base_model.named_parameters():
            p.requires_grad_(name.startswith("pooler."))
    if strategy == "lora":
        import peft

        from zoo.plugins.strategies.lora import LoraConfig
        from zoo.plugins.strategies.lora_targets import DEFAULT_TARGETS

        lora = LoraConfig()
        # zoo's own choices (targets, and the pooler trained whole beside the classifier),
        # spelled out in plain peft.
        model = peft.get_peft_model(model, peft.LoraConfig(
            task_type=peft.TaskType.SEQ_CLS, r=lora.r, lora_alpha=lora.alpha,
            lora_dropout=lora.dropout, target_modules=DEFAULT_TARGETS["bert"],
            modules_to_save=["classifier", "pooler"]))

    class Rows(torch.utils.data.Dataset):
        def __init__(self, rows: list[Any]) -> None:
            self.enc = tok([r.input for r in rows], truncation=True, max_length=config.max_length)
            self.labels = [r.label for r in rows]

        def __len__(self) -> int:
            return len(self.labels)

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {**{k: v[i] for k, v in self.enc.items()}, "labels": self.labels[i]}

    # zoo's two learning rates (the head's scaled) as plain AdamW parameter groups; fused, as
    # the Trainer's own default optimizer is
    head = head_parameters(model, get_zoo().domains.get("text"), config.head_lr_scale)
    optimizer = torch.optim.AdamW(param_groups(model, config.weight_decay, config.lr, head,
                                               config.lr * config.head_lr_scale),
                                  fused=True)

    def accuracy(pred: Any) -> dict[str, float]:
        return {"accuracy": float((np.argmax(pred.predictions, -1) == pred.label_ids).mean())}

    args = TrainingArguments(
        output_dir=str(output), num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size, learning_rate=config.lr,
        weight_decay=config.weight_decay, warmup_steps=config.warmup,  # a float: a ratio
        max_grad_norm=config.max_grad_norm, lr_scheduler_type="linear",
        eval_strategy="epoch", save_strategy="epoch", save_total_limit=1,
        load_best_model_at_end=True, metric_for_best_model="accuracy", report_to=[],
        logging_strategy="no", use_cpu=True, seed=config.seed, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=Rows(data.train),
                      eval_dataset=Rows(data.validation), compute_metrics=accuracy,
                      data_collator=DataCollatorWithPadding(tok), optimizers=(optimizer, None))
    t0 = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - t0
    pred = trainer.predict(Rows(data.test))
    return {"accuracy": accuracy(pred)["accuracy"], "wall_s": time.perf_counter() - start,
            "train_s": train_s, "ex_per_s": len(data.train) * config.epochs / train_s}


def versus_trainer(strategies: list[str], data: Any, snapshot: Path, work: Path,
                   batch: int, max_length: int, seeds: list[int]) -> None:
    import torch
    from transformers import AutoTokenizer

    from zoo import get_zoo
    from zoo.engine.precision import cpu_has_bf16

    threads = torch.get_num_threads()
    peak = matmul_gflops(threads)
    print(f"matmul peak ({threads} threads): fp32 {peak['float32']:.0f} GFLOP/s, "
          f"bf16 {peak['bfloat16']:.0f} GFLOP/s; cpu bf16: {cpu_has_bf16()}")
    tok = AutoTokenizer.from_pretrained(str(snapshot))
    tokens = sum(len(x) for x in tok([e.input for e in data.train], truncation=True,
                                     max_length=max_length)["input_ids"])
    params = matmul_parameters(snapshot)
    text = get_zoo().domains.get("text")
    for strategy in strategies:
        plugin = get_zoo().strategies.get(strategy)
        epochs = TRAINER_EPOCHS[strategy]
        gaps, speedups = [], []
        for seed in seeds:
            options = plugin.make_config()
            config = zoo_config(epochs, plugin.default_lr(options),
                                plugin.default_head_lr_scale(options, text), max_length, batch,
                                seed)
            z = run_zoo(snapshot, data, strategy, config, work / f"zoo-{strategy}-{seed}")
            t = run_trainer(snapshot, data, strategy, config, work / f"trainer-{strategy}-{seed}")
            gaps.append(z["accuracy"] - t["accuracy"])
            speedups.append(t["wall_s"] / z["wall_s"])
            print(f"{strategy} x{epochs} epochs (lr {config.lr:g}, seed {seed}): zoo acc "
                  f"{z['accuracy']:.4f} in {z['wall_s']:.1f} s ({z['ex_per_s']:.0f} ex/s, bf16 "
                  f"{z['bf16']}); Trainer acc {t['accuracy']:.4f} in {t['wall_s']:.1f} s "
                  f"({t['ex_per_s']:.0f} ex/s); speed-up {speedups[-1]:.2f}x; accuracy zoo - "
                  f"Trainer {100 * gaps[-1]:+.2f} points", flush=True)
        if len(seeds) > 1:
            print(f"{strategy}: median over {len(seeds)} seeds: speed-up "
                  f"{statistics.median(speedups):.2f}x, accuracy zoo - Trainer "
                  f"{100 * statistics.median(gaps):+.2f} points (target: within 1)", flush=True)
        if strategy == "freeze":
            first = z["feature_s"] + z["epoch_s"][0]
            later = statistics.median(z["epoch_s"][1:])
            print(f"  freeze: first epoch (features + head) {first:.2f} s, later epochs median "
                  f"{later:.3f} s = {100 * later / first:.2f}% of the first")
        if strategy == "full":
            # Forward plus backward of a dense transformer: about 6 FLOPs per matmul parameter
            # per (unpadded) token; attention scores and padding are not counted.
            flops = 6.0 * params * tokens * epochs / z["train_s"] / 1e9
            key = "bfloat16" if z["bf16"] else "float32"
            print(f"  full: training reaches {flops:.0f} GFLOP/s = "
                  f"{100 * flops / peak[key]:.1f}% of the measured {key} matmul peak")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="defaults,full,freeze,lora")
    parser.add_argument("--seeds", default="0", help="Comma-separated seeds of the defaults part.")
    parser.add_argument("--trainer-seeds", default="0",
                        help="Comma-separated seeds of the Trainer comparison (medians reported).")
    parser.add_argument("--train-rows", type=int, default=0,
                        help="Trainer part: the first N training rows only (0: all).")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()
    only = args.only.split(",")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installs run: bytecode cached
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    try:
        if "defaults" in only:
            defaults([int(s) for s in args.seeds.split(",")], work)
        strategies = [s for s in only if s in TRAINER_EPOCHS]
        if strategies:
            # The labels alone: the Trainer script trains on them, so zoo must too.
            data = task_data("sentiment", args.train_rows, hard_labels=True)
            print(f"data: train {len(data.train)}, validation {len(data.validation)}, "
                  f"test {len(data.test)}")
            versus_trainer(strategies, data, catalog_snapshot("minilm-l6"), work, args.batch,
                           args.max_length, [int(s) for s in args.trainer_seeds.split(",")])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
