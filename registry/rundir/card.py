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
    library = "peft" if run["format"] == "peft" else run.get("library", "transformers")
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


def deployment_section(record: dict[str, Any]) -> str:
    """The card's section on the ONNX export: files, parity figures, and plain onnxruntime
    loading code (no zoo, torch or transformers needed)."""
    parity = record["parity"]["fp32"]
    validation = record["validation"]
    names = [i["name"] for i in record["inputs"]]
    lines = [DEPLOYMENT, "",
             f"`zoo export` wrote `onnx/model.onnx` (opset {record['opset']}, dynamic batch and "
             "sequence axes)" + (" and `onnx/model_quantized.onnx` (dynamic int8)"
                                 if "int8" in record else "") + ", checked against PyTorch on "
             f"{validation['examples']} validation examples: max |logit difference| "
             f"{parity['max_abs_diff']:.2g}, same argmax: {parity['same_argmax']}; validation "
             f"{validation['metric']} {validation['onnx_fp32']:.4f}"
             + (f" (int8: {record['int8']['int8']:.4f})" if "int8" in record else "") + ".",
             "", "```python", "import numpy as np", "import onnxruntime as ort",
             "from tokenizers import Tokenizer", "",
             'tokenizer = Tokenizer.from_file("RUN_DIR/onnx/tokenizer.json")',
             f"tokenizer.enable_truncation({record['encoder']['max_length']})",
             f"tokenizer.enable_padding(pad_id={record['encoder']['pad_id']})",
             'session = ort.InferenceSession("RUN_DIR/onnx/model.onnx")',
             'batch = tokenizer.encode_batch(["an example"])']
    fields = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
    feeds = ", ".join(f'"{n}": np.array([e.{fields.get(n, n)} for e in batch], dtype=np.int64)'
                      for n in names)
    lines += [f"logits = session.run(None, {{{feeds}}})[0]", f"labels = {record['labels']!r}",
              "```", "", "Or with zoo: `zoo predict RUN_DIR \"text\" --backend onnx`.", ""]
    return "\n".join(lines)


def with_deployment(card: str, record: dict[str, Any]) -> str:
    """The card with its Deployment section put in (the last section; an older one replaced)."""
    before = card.split("\n" + DEPLOYMENT + "\n", 1)[0].rstrip("\n")
    return before + "\n\n" + deployment_section(record)
