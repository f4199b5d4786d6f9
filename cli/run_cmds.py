"""``zoo eval`` and ``zoo predict``: use a finished run directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from zoo import get_zoo
from zoo.errors import UsageError
from zoo.inference import BACKENDS

from .output import emit_json, table

BACKEND = click.option(
    "--backend", type=click.Choice(BACKENDS), default="torch",
    show_default=True,
    help="torch: the run as trained; onnx / onnx-int8: its `zoo export` on ONNX Runtime, "
         "without torch or transformers.")


BF16 = click.option("--bf16/--no-bf16", default=None,
                    help="--backend torch: bf16 autocast [default: where the device has it].")
DEVICE = click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
                      default="auto", show_default=True,
                      help="--backend torch: where the model runs (auto: accelerate's choice, "
                           "CUDA, MPS or XPU where present, else the CPU).")


@click.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path),
              help="Evaluate on this data file: its test split when it is the run's own "
                   "data (same examples, split the same way), else every row [default: the "
                   "task's test split].")
@click.option("--text-column", help="Column holding the input in --data.")
@click.option("--label-column", help="Column holding the label in --data.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@BACKEND
@BF16
@DEVICE
def eval_cmd(run_dir: Path, data: Path | None, text_column: str | None,
             label_column: str | None, as_json: bool, backend: str, bf16: bool | None,
             device: str) -> None:
    """Evaluate the model in RUN_DIR on the task's test split or on --data."""
    from zoo.inference import LoadedRun, evaluate_run_classes, load_predictor
    from zoo.run_data import run_examples
    from zoo.rundir import read_run

    if backend == "torch":
        from zoo.engine.device import check_device

        check_device(device)  # before anything is read
    run = read_run(run_dir)
    model = load_predictor(run_dir, get_zoo(), backend, bf16=bf16, device=device)
    scored = run_examples(run, get_zoo(), split="test", data=data, text_column=text_column,
                          label_column=label_column)
    examples = scored.examples
    classes: dict[str, Any] = {}
    if isinstance(model, LoadedRun):
        metrics, classes = evaluate_run_classes(model, examples)
    else:
        metrics = model.evaluate(examples)
    if as_json:
        emit_json({"run": str(run_dir), "examples": len(examples), "source": scored.source,
                   "metrics": metrics, **classes})
        return
    click.echo(f"{len(examples)} examples: {scored.source}")
    table(["METRIC", "VALUE"], [[k, f"{v:.4f}"] for k, v in metrics.items()])
    if classes:
        click.echo()
        table(["CLASS", "PRECISION", "RECALL", "F1", "SUPPORT"],
              [[name, f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}",
                str(c["support"])] for name, c in classes["per_class"].items()])
        matrix = classes["confusion"]["matrix"]
        click.echo()
        table(["TRUE \\ PREDICTED", *classes["confusion"]["labels"]],
              [[name, *map(str, row)] for name, row in zip(classes["confusion"]["labels"], matrix)])


@click.command("predict")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("inputs", nargs=-1)
@click.option("--file", "in_file", type=click.Path(path_type=Path),
              help="Predict every row of this .csv, .tsv, .jsonl, .parquet or .txt (a line each).")
@click.option("--column", help="The --file column holding the input [default: text, sentence, ...].")
@click.option("--output", type=click.Path(path_type=Path),
              help="Where --file's predictions go, one JSON object per line.")
@click.option("--progress/--no-progress", default=True, help="A progress bar for --file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@BACKEND
@BF16
@DEVICE
def predict_cmd(run_dir: Path, inputs: tuple[str, ...], in_file: Path | None, column: str | None,
                output: Path | None, progress: bool, as_json: bool, backend: str,
                bf16: bool | None, device: str) -> None:
    """Label each INPUT with the model in RUN_DIR; '-' reads one input per line from stdin.

    An INPUT is what the run's domain takes: a text, or an image file's path for vision.

    \b
    Examples:
      zoo predict RUN "a gorgeous film" "dull and far too long"
      zoo predict RUN --file reviews.csv --column body --output predictions.jsonl
      zoo predict RUN "a gorgeous film" --backend onnx     # after zoo export RUN
    """
    if in_file is not None:
        if inputs or output is None:
            raise UsageError("--file takes no INPUT arguments and needs --output FILE.jsonl")
    elif not inputs:
        raise UsageError("give one or more INPUTs, '-' for stdin, or --file")
    elif column or output:
        raise UsageError("--column and --output go with --file")
    from zoo.inference import load_predictor

    loaded = load_predictor(run_dir, get_zoo(), backend, bf16=bf16, device=device)
    if in_file is not None and output is not None:
        from zoo.predict_file import predict_file

        outcome = predict_file(loaded, in_file, column, output, get_zoo().readers.list(),
                               progress)
        if outcome.bad:
            shown = "; ".join(f"{where}: {why}" for where, why in outcome.bad[:10])
            more = f" (and {len(outcome.bad) - 10} more)" if len(outcome.bad) > 10 else ""
            click.echo(f"zoo: warning: {len(outcome.bad)} rows skipped: {shown}{more}", err=True)
        click.echo(f"{outcome.written} predictions written to {output}", err=True)
        return
    texts: list[Any] = ([line.rstrip("\n") for line in sys.stdin if line.strip()]
                        if inputs == ("-",) else list(inputs))
    if not texts:
        raise UsageError("no input on stdin: give one input per line, or INPUTs as arguments")
    if loaded.head.output_kind == "token":
        texts = [t.split() for t in texts]
    predictions = loaded.predict(texts)
    if as_json:
        emit_json([{"input": t, **p} for t, p in zip(texts, predictions)])
        return
    table(["LABEL", "SCORE", "INPUT"],
          [[p["label"], p["score"], t if isinstance(t, str) else " ".join(t)]
           for t, p in zip(texts, predictions)])
