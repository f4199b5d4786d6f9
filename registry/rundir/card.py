"""The model card: README.md with the YAML header the Hugging Face Hub reads."""

from __future__ import annotations

import json
from typing import Any


def _yaml_list(key: str, values: list[str]) -> list[str]:
    return [f"{key}:"] + [f"- {json.dumps(v)}" for v in values] if values else []


def model_card(run: dict[str, Any], metrics: dict[str, Any], strategy_section: str = "") -> str:
    """The card text; ``run`` is run.json's content, ``metrics`` metrics.json's;
    ``strategy_section`` is markdown the strategy adds (distill: teacher against student)."""
    test = metrics.get("test", {})
    header = ["---"]
    if run.get("license"):
        header.append(f"license: {run['license']}")
    header.append(f"base_model: {json.dumps(run['repo'] or run['entry'])}")
    header += _yaml_list("datasets", [run["data"]["name"]] if run["data"].get("name") else [])
    library = (run["format"] if run["format"] in ("peft", "sentence-transformers")
               else run.get("library", "transformers"))
    header += [f"library_name: {library}",
               "tags:", "- zoo", f"- {run['strategy']['name']}",
               "model-index:", f"- name: {json.dumps(run['entry'] + '-' + run['task'])}",
               "  results:", "  - task:", f"      type: {json.dumps(run['head'])}",
               "    metrics:"]
    for name, value in test.items():
        header += [f"    - type: {name}", f"      value: {value:.6g}", "      name: test " + name]
    header.append("---")
    lines = [f"# {run['entry']} adapted to {run['task']}", "",
             f"`{run['entry']}` ({run['repo']} @ {run['revision']}) with a `{run['head']}` head, "
             f"trained with the `{run['strategy']['name']}` strategy by zoo.", "",
             "## Results", "", "| split | " + " | ".join(test) + " |",
             "|---|" + "---|" * len(test),
             "| test | " + " | ".join(f"{v:.4f}" for v in test.values()) + " |", "",
             "![curves](curves.png)", ""]
    if strategy_section:
        lines += [strategy_section.rstrip(), ""]
    lines += ["## Training", "",
             f"- epochs run: {len(metrics.get('history', []))}, best epoch: {metrics.get('best_epoch')}",
             f"- seed: {run['seed']}, processes: {run['processes']}, bf16: {run['bf16']}",
             f"- strategy config: `{json.dumps(run['strategy']['config'])}`",
             f"- data sha256: `{run['data']['sha256']}`", "",
             "## Loading", "", "```python"]
    lines += [run["loading_code"].rstrip(), "```", ""]
    return "\n".join(header + lines)


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
