"""``zoo eval`` and ``zoo predict``: use a finished run directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .output import emit_json, table

BACKEND = click.option(
    "--backend", type=click.Choice(["torch", "onnx", "onnx-int8"]), default="torch",
    show_default=True,
    help="torch: the run as trained; onnx / onnx-int8: its `zoo export` on ONNX Runtime, "
         "without torch or transformers.")


def _run_record(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "run.json").read_text())


def _onnx(run_dir: Path, backend: str) -> Any:
    from zoo.onnx_backend import load_onnx_run

    return load_onnx_run(run_dir, quantized=backend == "onnx-int8")


@click.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path),
              help="Evaluate on this data file [default: the task's test split].")
@click.option("--text-column", help="Column holding the input in --data.")
@click.option("--label-column", help="Column holding the label in --data.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@BACKEND
def eval_cmd(run_dir: Path, data: Path | None, text_column: str | None,
             label_column: str | None, as_json: bool, backend: str) -> None:
    """Evaluate the model in RUN_DIR on the task's test split or on --data."""
    from zoo.run_data import run_examples

    if backend == "torch":
        from zoo.inference import evaluate_run, load_run

        loaded = load_run(run_dir)
        examples = run_examples(loaded.run, loaded.head, split="test", data=data,
                                text_column=text_column, label_column=label_column)
        metrics = evaluate_run(loaded, examples)
    else:
        model = _onnx(run_dir, backend)
        examples = run_examples(_run_record(run_dir), model.head, split="test", data=data,
                                text_column=text_column, label_column=label_column)
        metrics = model.evaluate(examples)
    if as_json:
        emit_json({"run": str(run_dir), "examples": len(examples), "metrics": metrics})
        return
    table(["METRIC", "VALUE"], [[k, f"{v:.4f}"] for k, v in metrics.items()])


@click.command("predict")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@BACKEND
def predict_cmd(run_dir: Path, inputs: tuple[str, ...], as_json: bool, backend: str) -> None:
    """Label each INPUT with the model in RUN_DIR; '-' reads one input per line from stdin.

    An INPUT is what the run's domain takes: a text, or an image file's path for vision."""
    texts = [line.rstrip("\n") for line in sys.stdin if line.strip()] if inputs == ("-",) else list(inputs)
    if backend == "torch":
        from zoo.inference import load_run

        loaded: Any = load_run(run_dir)
    else:
        loaded = _onnx(run_dir, backend)
    if loaded.head.output_kind == "token":
        texts = [t.split() for t in texts]  # type: ignore[misc]
    predictions = loaded.predict(texts)
    if as_json:
        emit_json([{"input": t, **p} for t, p in zip(texts, predictions)])
        return
    table(["LABEL", "SCORE", "INPUT"],
          [[p["label"], p["score"], t if isinstance(t, str) else " ".join(t)]
           for t, p in zip(texts, predictions)])
