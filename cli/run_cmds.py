"""``zoo eval`` and ``zoo predict``: use a finished run directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .output import emit_json, table


@click.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path),
              help="Evaluate on this data file [default: the task's test split].")
@click.option("--text-column", help="Column holding the input in --data.")
@click.option("--label-column", help="Column holding the label in --data.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def eval_cmd(run_dir: Path, data: Path | None, text_column: str | None,
             label_column: str | None, as_json: bool) -> None:
    """Evaluate the model in RUN_DIR on the task's test split or on --data."""
    from zoo.inference import evaluate_run, load_run
    from zoo.run_data import run_examples

    loaded = load_run(run_dir)
    examples = run_examples(loaded.run, loaded.head, split="test", data=data,
                            text_column=text_column, label_column=label_column)
    metrics = evaluate_run(loaded, examples)
    if as_json:
        emit_json({"run": str(run_dir), "examples": len(examples), "metrics": metrics})
        return
    table(["METRIC", "VALUE"], [[k, f"{v:.4f}"] for k, v in metrics.items()])


@click.command("predict")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def predict_cmd(run_dir: Path, inputs: tuple[str, ...], as_json: bool) -> None:
    """Label each INPUT with the model in RUN_DIR; '-' reads one input per line from stdin.

    An INPUT is what the run's domain takes: a text, or an image file's path for vision."""
    from zoo.inference import load_run

    texts = [line.rstrip("\n") for line in sys.stdin if line.strip()] if inputs == ("-",) else list(inputs)
    loaded = load_run(run_dir)
    if loaded.head.output_kind == "token":
        texts = [t.split() for t in texts]  # type: ignore[misc]
    predictions = loaded.predict(texts)
    if as_json:
        emit_json([{"input": t, **p} for t, p in zip(texts, predictions)])
        return
    table(["LABEL", "SCORE", "INPUT"],
          [[p["label"], p["score"], t if isinstance(t, str) else " ".join(t)]
           for t, p in zip(texts, predictions)])
