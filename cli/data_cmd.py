"""``zoo data TASK``: what a task would train on, before any training (labels, splits, hash)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from zoo import get_zoo
from zoo.data import LABEL_FORMATS, LabelFormat, TaskData, load_task_data
from zoo.data.splits import SPLITS
from zoo.errors import UsageError

from .output import emit_json, table


def label_counts(data: TaskData, fmt: LabelFormat) -> dict[str, dict[str, int]]:
    """Examples (words, for tags) per label name and split; empty for regression."""
    out: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        counts: Counter[int] = Counter()
        for ex in getattr(data, split):
            counts.update(fmt.counted(ex.label))
        out[split] = {name: counts[i] for i, name in enumerate(data.labels)}
    return out


def _label_format(head: str, asked: str | None) -> LabelFormat:
    if asked:
        return LABEL_FORMATS[asked]
    heads = get_zoo().heads
    if head not in heads.names():
        raise UsageError(f"head {head!r} is not installed, so its label kind is unknown: "
                         f"pass --label-kind ({', '.join(LABEL_FORMATS)})")
    return heads.get(head).label_format()


@click.command("data")
@click.argument("task_name", metavar="TASK")
@click.option("--data", "data_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Your own data: CSV, TSV, JSONL, Parquet, a `datasets` directory or text folders.")
@click.option("--text-column", metavar="C", help="The column holding the text (default: text, ...).")
@click.option("--label-column", metavar="C", help="The column holding the label (default: label, ...).")
@click.option("--confidence-column", metavar="C",
              help="The column saying how sure each label is, a probability in (0, 1].")
@click.option("--hard-labels", is_flag=True, help="Leave out the dataset's label confidence.")
@click.option("--label-kind", type=click.Choice(list(LABEL_FORMATS)),
              help="How labels are read; by default the task's head decides.")
@click.option("--skip-bad-rows", is_flag=True, help="Leave out rows that cannot be used, and count them.")
@click.option("--split-seed", type=int, default=0, show_default=True,
              help="Seed of the 80/10/10 split of your own data when it has no splits of its own.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def data_cmd(task_name: str, data_path: Path | None, text_column: str | None,
             label_column: str | None, confidence_column: str | None, hard_labels: bool,
             label_kind: str | None, skip_bad_rows: bool, split_seed: int, as_json: bool) -> None:
    """Show the labels, split sizes and data hash that TASK would train on.

    \b
    Examples:
      zoo data sentiment
      zoo data classify --data reviews.csv --text-column body --label-column stars
    """
    zoo = get_zoo()
    task = zoo.tasks.get(task_name)
    fmt = _label_format(task.head, label_kind)
    domain = zoo.domains.get(task.domain) if task.domain in zoo.domains else None
    data = load_task_data(task, zoo, data=data_path, text_column=text_column, label_column=label_column,
                          label_kind=fmt, domain=domain, skip_bad_rows=skip_bad_rows,
                          seed=split_seed, confidence_column=confidence_column,
                          hard_labels=hard_labels)
    counts = label_counts(data, fmt)
    kind = fmt.kind
    if as_json:
        emit_json({"task": task.name, "label_kind": kind, "labels": list(data.labels),
                   "splits": {s: len(getattr(data, s)) for s in SPLITS}, "label_counts": counts,
                   "sha256": data.sha256, "skipped_rows": data.skipped_rows,
                   "description": data.description})
        return
    click.echo(f"task {task.name} ({kind} labels)")
    click.echo(f"  data: {data.description}")
    click.echo(f"  sha256: {data.sha256}")
    if data.labels:
        table(["INDEX", "LABEL", *(s.upper() for s in SPLITS)],
              [[i, name, *(counts[s][name] for s in SPLITS)] for i, name in enumerate(data.labels)])
