"""``zoo export``: a run to ONNX, parity-checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import click

from zoo import get_zoo
from zoo.onnx_backend import DEFAULT_OPSET

from .output import emit_json, table


@click.command("export")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--quantize", type=click.Choice(["none", "int8"]), default="none", show_default=True,
              help="Also write a dynamic int8 model, if it keeps the validation metric "
                   "and predictions (the layers that lose them get a scale per row, or stay "
                   "fp32).")
@click.option("--opset", type=click.IntRange(min=17), default=DEFAULT_OPSET, show_default=True,
              help="The ONNX opset to export (23 has ONNX's Attention op; 18 suits older "
                   "runtimes).")
@click.option("--data", type=click.Path(path_type=Path),
              help="Check parity on this data file: its validation split when it is the "
                   "run's own data (same examples, split the same way), else every row "
                   "[default: the task's validation split].")
@click.option("--text-column", help="Column holding the input in --data.")
@click.option("--label-column", help="Column holding the label in --data.")
@click.option("--json", "as_json", is_flag=True, help="Print export.json for scripts.")
def export_cmd(run_dir: Path, quantize: str, opset: int, data: Path | None,
               text_column: str | None, label_column: str | None, as_json: bool) -> None:
    """Export the model in RUN_DIR to RUN_DIR/onnx (ONNX Runtime; checked against PyTorch).

    \b
    Examples:
      zoo export runs/minilm-l6-sentiment-full --quantize int8
      zoo predict runs/minilm-l6-sentiment-full "great film" --backend onnx
    """
    from zoo.onnx_export import export_run

    record = export_run(run_dir, get_zoo(), quantize=quantize, opset=opset, data=data,
                        text_column=text_column, label_column=label_column)
    if as_json:
        emit_json(record)
        return
    parity, validation = record["parity"]["fp32"], record["validation"]
    rows = [["files", ", ".join(record["files"])],
            ["max |logit diff|", f"{parity['max_abs_diff']:.3g}"],
            ["same argmax", str(parity["same_argmax"])],
            [f"validation {validation['metric']} (torch)", f"{validation['torch']:.4f}"],
            [f"validation {validation['metric']} (onnx fp32)", f"{validation['onnx_fp32']:.4f}"]]
    if "int8" in record:
        int8 = record["int8"]
        rows.append([f"validation {validation['metric']} (onnx int8)", f"{int8['int8']:.4f}"])
        if int8["agreement"] is not None:
            rows.append(["int8 predictions as fp32's", f"{int8['agreement']:.2%}"])
        rows.append(["int8 layers per-row", str(len(int8["rowwise"]))])
        rows.append(["int8 layers left fp32", str(len(int8["fp32_nodes"]))])
    click.echo(f"checked on {validation['examples']} examples: {validation['source']}")
    table(["EXPORT", str(Path(run_dir) / "onnx")], rows)
