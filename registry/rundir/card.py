"""The model card: README.md with the YAML header the Hugging Face Hub reads."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoo.rundir.record import RunRecord


def _yaml_list(key: str, values: list[str]) -> list[str]:
    return [f"{key}:"] + [f"- {json.dumps(v)}" for v in values] if values else []


def pipeline_tag(run: RunRecord) -> str:
    """The Hub task the run's model does: the domain records it (text: text- or
    token-classification; vision: image-classification), else text-classification."""
    return run.domain_fields.get("pipeline_tag", "text-classification")


def library_name(run: RunRecord) -> str:
    if run.format in ("peft", "sentence-transformers"):
        return run.format
    return run.domain_fields.get("library", "transformers")


def dataset_name(run: RunRecord) -> str:
    """The data's name without the folders of the machine it was trained on: a catalog
    dataset's name, or a --data file's own name."""
    return PurePosixPath(str(run.data.get("name") or "data").replace("\\", "/")).name


def card_header(run: RunRecord, test: dict[str, float]) -> list[str]:
    """The card's YAML front matter, as the Hub's metadata reads it: base_model only for a
    Hub repo id, datasets only for a Hub dataset id, model-index with task and dataset."""
    from zoo.catalog import repo_id_problem

    header = ["---"]
    if run.license:
        plain = re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", run.license)  # an SPDX-style id
        header.append(f"license: {run.license if plain else json.dumps(run.license)}")
    base = run.repo or str(run.lineage.get("base", {}).get("repo") or "")
    if base and repo_id_problem(base) is None and "/" in base:
        header.append(f"base_model: {json.dumps(base)}")
    hub_dataset = run.data.get("hub_id")
    header += _yaml_list("datasets", [hub_dataset] if hub_dataset else [])
    task = pipeline_tag(run)
    header += [f"pipeline_tag: {task}", f"library_name: {library_name(run)}",
               "tags:", "- zoo", f"- {json.dumps(run.strategy)}",
               "model-index:", f"- name: {json.dumps(run.entry + '-' + run.task)}",
               "  results:", "  - task:", f"      type: {task}",
               f"      name: {json.dumps(run.task)}",
               "    dataset:", f"      type: {json.dumps(hub_dataset or dataset_name(run))}",
               f"      name: {json.dumps(dataset_name(run))}",
               "    metrics:"]
    for name, value in test.items():
        header += [f"    - type: {json.dumps(name)}", f"      value: {value:.6g}",
                   f"      name: {json.dumps('test ' + name)}"]
    return header + ["---"]


def model_card(run: RunRecord, metrics: dict[str, Any], strategy_section: str = "") -> str:
    """The card text; ``run`` is the run's record, ``metrics`` metrics.json's content;
    ``strategy_section`` is markdown the strategy adds (distill: teacher against student)."""
    test = metrics.get("test", {})
    header = card_header(run, test)
    lines = [f"# {run.entry} adapted to {run.task}", "",
             f"`{run.entry}` ({run.repo} @ {run.revision}) with a `{run.head}` head, "
             f"trained with the `{run.strategy}` strategy by zoo.", "",
             "## Results", "", "| split | " + " | ".join(test) + " |",
             "|---|" + "---|" * len(test),
             "| test | " + " | ".join(f"{v:.4f}" for v in test.values()) + " |", "",
             "![curves](curves.png)", ""]
    if metrics.get("per_class"):
        lines += [per_class_table(metrics["per_class"]), "", "![confusion](confusion.png)", ""]
    if strategy_section:
        lines += [strategy_section.rstrip(), ""]
    lines += ["## Training", "",
             f"- epochs run: {len(metrics.get('history', []))}, best epoch: {metrics.get('best_epoch')}",
             f"- seed: {run.seed}, processes: {run.processes}, bf16: {run.bf16}"
             + (f", device: {run.device}" if run.device else ""),
             f"- strategy config: `{json.dumps(run.strategy_config)}`",
             f"- data sha256: `{run.data.get('sha256')}`", "",
             "## Loading", "", "```python"]
    lines += [run.loading_code.rstrip(), "```", ""]
    return "\n".join(header + lines)


def per_class_table(per_class: dict[str, dict[str, Any]]) -> str:
    """Markdown: precision, recall, F1 and support of each class on the test split."""
    rows = ["| class | precision | recall | f1 | support |", "|---|---|---|---|---|"]
    rows += [f"| {name} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | "
             f"{c['support']} |" for name, c in per_class.items()]
    return "\n".join(rows)


DEPLOYMENT = "## Deployment"


def deployment_section(record: dict[str, Any], code: str) -> str:
    """The card's section on the ONNX export: files, parity figures, and ``code``, the
    domain's plain onnxruntime loading code (no zoo, torch or transformers needed)."""
    parity = record["parity"]["fp32"]
    validation = record["validation"]
    axes = list(dict.fromkeys(a for i in record["inputs"] for a in i["dynamic_axes"].values()))
    lines = [DEPLOYMENT, "",
             f"`zoo export` wrote `onnx/model.onnx` (opset {record['opset']}, dynamic "
             f"{' and '.join(axes)} {'axes' if len(axes) > 1 else 'axis'})"
             + (" and `onnx/model_quantized.onnx` (dynamic int8)"
                if "int8" in record else "") + ", checked against PyTorch on "
             f"{validation['examples']} validation examples: max |logit difference| "
             f"{parity['max_abs_diff']:.2g}, same argmax: {parity['same_argmax']}; validation "
             f"{validation['metric']} {validation['onnx_fp32']:.4f}"
             + (f" (int8: {record['int8']['int8']:.4f})" if "int8" in record else "") + ".",
             "", "```python", code.rstrip("\n"), "```", "",
             "Or with zoo: `zoo predict RUN_DIR INPUT --backend onnx`.", ""]
    return "\n".join(lines)


def with_deployment(card: str, record: dict[str, Any], code: str) -> str:
    """The card with its Deployment section put in (the last section; an older one replaced)."""
    before = card.split("\n" + DEPLOYMENT + "\n", 1)[0].rstrip("\n")
    return before + "\n\n" + deployment_section(record, code)
