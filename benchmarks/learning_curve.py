"""Benchmark (issue 21): the learning curve of zoo's default on little data.

For each training size (a class-balanced sample of the task's training split, per seed) and
seed, on the task's full test split and a fixed 64-row validation sample (a small-data user has
no large one), with hard labels:
  zoo      ``zoo adapt``'s defaults as a user gets them: ``--strategy auto`` and the budget
           that follows the rows (zoo.auto, zoo.engine.budget)
  tfidf    TF-IDF (words and bigrams) + logistic regression (scikit-learn)
  embed    the frozen backbone, mean-pooled, + logistic regression
  scratch  zoo's default on the same architecture from random weights
  scratch-lr10  the same at ten times the strategy's learning rate, which a random network
           may want (zoo-vision's README, digits: 0.94 and 0.95 against 0.24 and 0.29)
  zoo:S    zoo's defaults with ``--strategy S`` instead of ``auto``'s choice (``zoo:fewshot``
           and ``zoo:full`` on both sides of ``auto``'s threshold show where it belongs)

With ``--ood-data FILE`` (a CSV of text and label, such as ``benchmarks/ood_data.py``'s tweets)
every model is also scored on that other domain's text, as ``zoo eval RUN --data FILE`` would.

Prints one line per (method, size) with the mean and spread over seeds, writes the figures as
JSON and the curves as a PNG (a second panel for the other domain).

    python benchmarks/learning_curve.py [--task sentiment] [--backbone minilm-l6]
        [--sizes 16,64,256,1024,all] [--seeds 0,1,2] [--methods zoo,tfidf,embed,scratch]
        [--ood-data tweets.csv] [--json docs/small-data.json] [--png docs/small-data.png]
        [--append]

The same curve for a vision backbone, in the environment with zoo-vision (``make
test-vision``'s): ``--task digits --backbone mobilenetv2 --sizes 50,200,1000 --methods
zoo,scratch,scratch-lr10`` (5, 20 and 100 images per class), its random weights written by timm.

``--append`` adds this run's figures to those already in the JSON file (the same task and
backbone), so a long curve can be run in parts: fewer seeds for the largest size, say. Figures
are kept per seed, so a (method, size, seed) measured again replaces the earlier one: running
seeds again with ``--ood-data`` adds the other domain without counting a seed twice.

One run at a time: every zoo run trains a real model on the machine's cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from catalog_data import catalog_snapshot, task_data

VALIDATION_ROWS = 64


def balanced(rows: list[Any], n: int, seed: int) -> list[Any]:
    """``n`` rows with the classes as even as the data allows, drawn with ``seed``."""
    rng = random.Random(seed)
    by_label: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        by_label[row.label].append(row)
    for group in by_label.values():
        rng.shuffle(group)
    out: list[Any] = []
    while len(out) < n and any(by_label.values()):
        for group in by_label.values():
            if group and len(out) < n:
                out.append(group.pop())
    rng.shuffle(out)
    return out


Scores = tuple[float, float | None]  # test accuracy, and on the other domain's data


def accuracy(predicted: Any, examples: list[Any]) -> float:
    return float(sum(int(p == e.label) for p, e in zip(predicted, examples)) / len(examples))


def run_zoo(snapshot: Path, entry: str, task: str, data: Any, seed: int, work: Path,
            ood: Path | None, lr_scale: float = 1.0, bf16: bool | None = None,
            strategy: str | None = None) -> Scores:
    from zoo import get_zoo
    from zoo.adapt import adapt_snapshot
    from zoo.auto import choose_strategy
    from zoo.engine import TrainConfig
    from zoo.inference import evaluate_run, load_run
    from zoo.rundir import read_run
    from zoo.run_data import run_examples
    from zoo.snapshot import Snapshot

    zoo = get_zoo()
    backbone, task_entry = zoo.backbones.get(entry), zoo.tasks.get(task)
    strategy = strategy or choose_strategy(len(data.train), backbone,
                                           zoo.heads.get(task_entry.head),
                                           zoo.domains.get(task_entry.domain)).strategy
    with tempfile.TemporaryDirectory(dir=work) as out:
        # The catalog entry rides along: the domain reads the backbone's pooling through it.
        resolved = Snapshot(backbone, snapshot, {}, "local", "", snapshot)
        outcome = adapt_snapshot(resolved, task_entry, data, strategy=strategy,
                                 config=TrainConfig(seed=seed, progress=False, bf16=bf16,
                                                    lr=zoo.strategies.get(strategy).lr * lr_scale
                                                    if lr_scale != 1.0 else None),
                                 output=Path(out) / "run", notify=print)
        test = float(outcome.result.test["accuracy"])
        if ood is None:
            return test, None
        # Scored as `zoo eval RUN --data FILE` scores it: fp32, on the CPU.
        examples = run_examples(read_run(outcome.output), zoo, split="test", data=ood).examples
        return test, float(evaluate_run(load_run(outcome.output, zoo), examples)["accuracy"])


def run_tfidf(data: Any, seed: int, ood: list[Any] | None) -> Scores:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    features = vectorizer.fit_transform([e.input for e in data.train])
    model = LogisticRegression(max_iter=2000, random_state=seed)
    model.fit(features, [e.label for e in data.train])

    def score(examples: list[Any]) -> float:
        return accuracy(model.predict(vectorizer.transform([e.input for e in examples])), examples)

    return score(data.test), score(ood) if ood else None


def embed(snapshot: Path, texts: list[str]) -> Any:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from zoo.plugins.text.pooled import mean_pool

    tokenizer = AutoTokenizer.from_pretrained(str(snapshot))
    model = AutoModel.from_pretrained(str(snapshot)).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), 128):
            enc = tokenizer(texts[start:start + 128], padding=True, truncation=True,
                            max_length=128, return_tensors="pt")
            out.append(mean_pool(model(**enc).last_hidden_state, enc["attention_mask"]))
    return torch.cat(out).numpy()


def run_embed(snapshot: Path, data: Any, seed: int, test_features: Any,
              ood: list[Any] | None, ood_features: Any) -> Scores:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=2000, random_state=seed)
    model.fit(embed(snapshot, [e.input for e in data.train]), [e.label for e in data.train])
    test = accuracy(model.predict(test_features), data.test)
    return test, accuracy(model.predict(ood_features), ood) if ood else None


def ood_examples(task: str, path: Path) -> list[Any]:
    """Every row of ``path``, read as ``zoo eval --data`` reads it for ``task``."""
    from zoo import get_zoo
    from zoo.data import load_task_data

    zoo = get_zoo()
    data = load_task_data(zoo.tasks.get(task), zoo, data=path)
    return [*data.train, *data.validation, *data.test]


def random_snapshot(snapshot: Path, entry: str, work: Path) -> Path:
    """The backbone's architecture (and a text backbone's tokenizer) with freshly initialised
    weights; a vision backbone's as timm writes one (zoo-vision's domain reads that)."""
    import shutil

    import torch
    from zoo import get_zoo

    path = work / "random"
    if path.exists():
        return path
    backbone = get_zoo().backbones.get(entry)
    if backbone.domain == "vision":
        from vision_digits import random_snapshot as timm_random

        return timm_random(backbone.architecture, path, seed=0)
    from transformers import AutoConfig, AutoModel

    shutil.copytree(snapshot, path)
    torch.manual_seed(0)
    model = AutoModel.from_config(AutoConfig.from_pretrained(str(snapshot)))
    model.save_pretrained(str(path), safe_serialization=True)
    return path


Figures = dict[str, dict[str, dict[str, float]]]  # method -> training rows -> seed -> score


def plot(panels: dict[str, Figures], task: str, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for ax, (title, figures) in zip(axes[0], panels.items()):
        for method, by_size in figures.items():
            sizes = sorted(by_size, key=lambda s: int(s))
            scores = [list(by_size[s].values()) for s in sizes]
            ax.errorbar([int(s) for s in sizes], [statistics.mean(v) for v in scores],
                        yerr=[statistics.pstdev(v) for v in scores], marker="o",
                        capsize=3, label=method)
        ax.set_xscale("log")
        ax.set_xlabel("training rows")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{task}: {title}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=120)


def summary(figures: Figures) -> None:
    for method, by_size in figures.items():
        cells = [f"{int(s):>5}: {statistics.mean(v.values()):.3f} "
                 f"({statistics.pstdev(v.values()):.3f}, seeds {','.join(sorted(v))})"
                 for s, v in sorted(by_size.items(), key=lambda item: int(item[0]))]
        print(f"  {method:8s} " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="sentiment")
    parser.add_argument("--backbone", default="minilm-l6")
    parser.add_argument("--sizes", default="16,64,256,1024,all")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default="zoo,tfidf,embed,scratch")
    parser.add_argument("--ood-data", type=Path,
                        help="also score every model on this CSV (text, label) of another domain")
    parser.add_argument("--json", type=Path, default=Path("docs/small-data.json"))
    parser.add_argument("--png", type=Path, default=Path("docs/small-data.png"))
    parser.add_argument("--append", action="store_true",
                        help="add to the figures already in --json")
    args = parser.parse_args()
    methods = args.methods.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    full = task_data(args.task, hard_labels=True)
    ood = ood_examples(args.task, args.ood_data) if args.ood_data else None
    sizes = [len(full.train) if s == "all" else int(s) for s in args.sizes.split(",")]
    snapshot = catalog_snapshot(args.backbone)
    test_features = ood_features = None
    if "embed" in methods:
        test_features = embed(snapshot, [e.input for e in full.test])
        ood_features = embed(snapshot, [e.input for e in ood]) if ood else None
    panels: dict[str, Figures] = {
        name: defaultdict(lambda: defaultdict(dict)) for name in ("test", "ood")}
    if args.append and args.json.is_file():
        earlier = json.loads(args.json.read_text())
        if (earlier["task"], earlier["backbone"]) != (args.task, args.backbone):
            sys.exit(f"{args.json} holds {earlier['task']} / {earlier['backbone']}")
        for name, key in (("test", "figures"), ("ood", "ood_figures")):
            for method, by_size in earlier.get(key, {}).items():
                for size, scores in by_size.items():
                    panels[name][method][size].update(scores)
    def save() -> None:  # after every result, so an interrupted curve keeps what it measured
        record: dict[str, Any] = {"task": args.task, "backbone": args.backbone,
                                  "figures": panels["test"]}
        if panels["ood"]:
            record["ood_figures"] = panels["ood"]
        args.json.write_text(json.dumps(record, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Seed by seed: a curve stopped early still has every size at the seeds it finished.
        for seed in seeds:
            for size in sizes:
                data = dataclasses.replace(
                    full, train=balanced(full.train, size, seed),
                    validation=balanced(full.validation, VALIDATION_ROWS, seed))
                for method in methods:
                    start = time.perf_counter()
                    if method == "zoo" or method.startswith("zoo:"):
                        scores = run_zoo(snapshot, args.backbone, args.task, data, seed, work,
                                         args.ood_data, strategy=method[4:] or None)
                    elif method in ("scratch", "scratch-lr10"):
                        scores = run_zoo(random_snapshot(snapshot, args.backbone, work), args.backbone,
                                         args.task, data, seed, work, args.ood_data,
                                         lr_scale=10.0 if method == "scratch-lr10" else 1.0)
                    elif method == "tfidf":
                        scores = run_tfidf(data, seed, ood)
                    elif method == "embed":
                        scores = run_embed(snapshot, data, seed, test_features, ood, ood_features)
                    else:
                        sys.exit(f"unknown method {method!r}")
                    panels["test"][method][str(size)][str(seed)] = scores[0]
                    if scores[1] is not None:
                        panels["ood"][method][str(size)][str(seed)] = scores[1]
                    print(f"{method:8s} rows {size:5d} seed {seed}: test accuracy {scores[0]:.4f}"
                          + (f", other domain {scores[1]:.4f}" if scores[1] is not None else "")
                          + f" ({time.perf_counter() - start:.0f}s)", flush=True)
                    save()
    print(f"\n{args.task} / {args.backbone}, {len(full.test)} test rows, validation "
          f"{VALIDATION_ROWS} rows: mean test accuracy (population sd)")
    summary(panels["test"])
    if panels["ood"]:
        print(f"on {args.ood_data.name if args.ood_data else 'the other domain'}:")
        summary(panels["ood"])
    plot({"test split": panels["test"], "other domain": panels["ood"]} if panels["ood"]
         else {"test split": panels["test"]}, args.task, args.png)


if __name__ == "__main__":
    main()
