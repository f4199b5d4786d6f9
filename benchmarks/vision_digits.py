"""Benchmark: does ImageNet transfer pay on digits? MobileNetV2 with its ImageNet weights
(freeze, full, LoRA) against the same architecture from random initialisation (full), all
through zoo's engine on the catalog's digits task: same splits, image size, epochs, batch
size and seed. Prints test accuracy and wall seconds per run.

    .venv-vision/bin/python benchmarks/vision_digits.py [--epochs 8] [--image-size 64]

Needs zoo-vision installed (the .venv-vision environment). The from-scratch baseline is
built here through the domain's own API rather than by a zoo option: a random-initialised
timm export of the entry's architecture, saved as a snapshot and adapted like any other.
Early stopping is off, so every run gets the whole budget; the best epoch on validation is
the one tested, as in any zoo run. From scratch is run at the ``full`` default learning rate
and at ten times it, since a random network may want larger steps than a pretrained one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    weights: str
    strategy: str
    lr: float
    accuracy: float
    best_epoch: int
    wall_seconds: float


def random_snapshot(architecture: str, path: Path, seed: int) -> Path:
    """A timm export of ``architecture`` with random weights: the from-scratch backbone."""
    import torch

    from zoo_vision.timm_models import create_model, import_timm

    torch.manual_seed(seed)
    import_timm().models.save_for_hf(create_model(architecture), str(path), safe_serialization=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entry", default="mobilenetv2")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: the engine's default, every core); on a machine "
                             "another job is loading, 1 avoids OpenMP's waiting on a busy core")
    parser.add_argument("--head-lr-scale", type=float, default=0.0,
                        help="the head's learning rate as a multiple of the backbone's "
                             "(0: each strategy's default, 10 for full)")
    parser.add_argument("--only", default="", help="comma-separated run names, e.g. freeze,scratch")
    parser.add_argument("--out", type=Path, help="keep the run directories here")
    args = parser.parse_args()

    from zoo import get_zoo
    from zoo.adapt import adapt_snapshot
    from zoo.data import load_task_data
    from zoo.engine import TrainConfig
    from zoo.resolve import resolve
    from zoo.snapshot import Snapshot
    from zoo.weights import check_weights

    zoo = get_zoo()
    task, entry = zoo.tasks.get("digits"), zoo.backbones.get(args.entry)
    head = zoo.heads.get(task.head)
    data = load_task_data(task, zoo, label_kind=head.label_format(),
                          domain=zoo.domains.get(task.domain), seed=args.seed)
    snap = resolve(entry, zoo, progress=False)
    check_weights(snap, entry.allow_pickle)
    pretrained = snap
    out = args.out or Path(tempfile.mkdtemp(prefix="vision-digits-"))
    scratch = Snapshot.folder(random_snapshot(entry.architecture, out / "random-init", args.seed),
                              f"{entry.name}-random-init", domain="vision")
    full_lr = zoo.strategies.get("full").lr
    plan = [("freeze", "imagenet", pretrained, "freeze", 0.0),
            ("full", "imagenet", pretrained, "full", 0.0),
            ("lora", "imagenet", pretrained, "lora", 0.0),
            ("scratch", "random", scratch, "full", 0.0),
            ("scratch-lr10", "random", scratch, "full", full_lr * 10)]
    wanted = {n for n in args.only.split(",") if n}
    print(f"{entry.name} on digits: {len(data.train)} train / {len(data.validation)} validation / "
          f"{len(data.test)} test, {args.image_size}px, {args.epochs} epochs, seed {args.seed}, "
          f"threads {args.threads or 'all'}",
          flush=True)
    rows = []
    for name, weights, snapshot, strategy, lr in plan:
        if wanted and name not in wanted:
            continue
        config = TrainConfig(epochs=args.epochs, lr=lr, head_lr_scale=args.head_lr_scale,
                             patience=0, seed=args.seed,
                             progress=False, checkpoint_every=0, threads=args.threads)
        start = time.perf_counter()
        outcome = adapt_snapshot(snapshot, task, data, strategy=strategy, config=config,
                                 domain_options={"image_size": args.image_size},
                                 output=out / name)
        rows.append(Row(weights, strategy, lr or zoo.strategies.get(strategy).lr,
                        outcome.result.test["accuracy"], outcome.result.best_epoch + 1,
                        time.perf_counter() - start))
        print(f"  {name}: accuracy {rows[-1].accuracy:.4f} in {rows[-1].wall_seconds:.0f}s",
              flush=True)
    print()
    print("| weights | strategy | lr | test accuracy | best epoch | wall s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.weights} | {r.strategy} | {r.lr:g} | {r.accuracy:.4f} | {r.best_epoch} | "
              f"{r.wall_seconds:.0f} |")
    print(f"\nrun directories: {out}")


if __name__ == "__main__":
    main()
