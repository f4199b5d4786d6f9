"""Per-row dynamic int8 for chosen weight MatMuls of an fp32 graph.

onnxruntime's ``quantize_dynamic`` gives a whole batch one activation scale, so a single token
with massive activations (a BERT's [CLS]) coarsens every other token's steps many times over.
Here each row of the input (one token) gets its own symmetric scale. ONNX Runtime has the
pieces but no rewrite that uses them: ReduceMax for the row scales, QuantizeLinear's blocked
form (opset 21) for the rows, and MatMulIntegerToFloat, which broadcasts a per-row input scale
over its output. (It would scale a bias input by the row scales too, so a bias Add after the
product stays where it is.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Blocked QuantizeLinear, one block per row, came with opset 21.
MIN_OPSET = 21
#: Symmetric int8 shifted into uint8: ONNX Runtime's fast int8 products take unsigned
#: activations (signed ones fall back to portable C++ on x86).
ZERO_POINT = 128
#: The smallest row scale, so that a row of zeros quantizes to zeros instead of dividing by 0.
TINY = 1e-12


def _opset(model: Any) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def rowwise_nodes(model: Any) -> list[str]:
    """The MatMuls of ``model`` this rewrite applies to (an activation times a 2-D weight
    initializer), in graph order; none below ``MIN_OPSET``."""
    if _opset(model) < MIN_OPSET:
        return []
    weights = {i.name: i for i in model.graph.initializer}
    return [n.name for n in model.graph.node
            if n.op_type == "MatMul" and n.domain in ("", "ai.onnx") and n.input[0] not in weights
            and n.input[1] in weights and len(weights[n.input[1]].dims) == 2]


def rewrite(model: Any, nodes: Sequence[str]) -> Any:
    """``model`` (fp32, weights loaded) with the MatMuls named in ``nodes`` in per-row int8.
    The model is changed in place and returned."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    chosen = set(nodes) & set(rowwise_nodes(model))
    if not chosen:
        return model
    weights = {i.name: i for i in graph.initializer}
    prefix = "zoo_rowwise"
    constants = [numpy_helper.from_array(np.array([-1], np.int64), f"{prefix}_axes"),
                 numpy_helper.from_array(np.array(1 / 127, np.float32), f"{prefix}_step"),
                 numpy_helper.from_array(np.array(TINY, np.float32), f"{prefix}_tiny"),
                 numpy_helper.from_array(np.array(ZERO_POINT, np.uint8), f"{prefix}_zero_point")]
    added: list[Any] = []
    quantized_rows: dict[str, tuple[str, str]] = {}
    int8_weights: dict[str, tuple[str, str]] = {}
    new_nodes: list[Any] = []
    for node in graph.node:
        if node.name not in chosen:
            new_nodes.append(node)
            continue
        rows, weight = node.input
        if rows not in quantized_rows:
            quantized_rows[rows] = _quantize_rows(rows, weights[weight].dims[0], prefix, new_nodes)
        q, scale = quantized_rows[rows]
        if weight not in int8_weights:
            w = numpy_helper.to_array(weights[weight]).astype(np.float32)
            step = np.maximum(np.abs(w).max(axis=0), TINY) / 127
            int8_weights[weight] = (f"{weight}_int8", f"{weight}_int8_scale")
            int8 = np.clip(np.round(w / step), -127, 127).astype(np.int8)
            added += [numpy_helper.from_array(int8, int8_weights[weight][0]),
                      numpy_helper.from_array(step.astype(np.float32), int8_weights[weight][1])]
        new_nodes.append(helper.make_node(
            "MatMulIntegerToFloat",
            [q, int8_weights[weight][0], scale, int8_weights[weight][1], f"{prefix}_zero_point"],
            list(node.output), name=node.name, domain="com.microsoft"))
    del graph.node[:]
    graph.node.extend(new_nodes)
    still_used = {name for n in graph.node for name in n.input}
    kept = [i for i in graph.initializer if i.name in still_used]
    del graph.initializer[:]
    graph.initializer.extend([*kept, *constants, *added])
    names = still_used | {o for n in graph.node for o in n.output}
    kept_info = [v for v in graph.value_info if v.name in names]
    del graph.value_info[:]
    graph.value_info.extend(kept_info)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def _quantize_rows(rows: str, width: int, prefix: str, out: list[Any]) -> tuple[str, str]:
    """Nodes appended to ``out`` that quantize ``rows`` (last axis ``width``) one row at a
    time; returns the uint8 rows and their scales (the input's shape with a last axis of 1)."""
    from onnx import helper

    p = f"{rows}_{prefix}"
    out += [helper.make_node("Abs", [rows], [f"{p}_abs"], name=f"{p}_abs"),
            helper.make_node("ReduceMax", [f"{p}_abs", f"{prefix}_axes"], [f"{p}_absmax"],
                             name=f"{p}_absmax", keepdims=1),
            helper.make_node("Mul", [f"{p}_absmax", f"{prefix}_step"], [f"{p}_step"],
                             name=f"{p}_step"),
            helper.make_node("Max", [f"{p}_step", f"{prefix}_tiny"], [f"{p}_scale"],
                             name=f"{p}_scale"),
            # QuantizeLinear's blocked form wants a zero point of the scale's shape.
            helper.make_node("Shape", [f"{p}_scale"], [f"{p}_shape"], name=f"{p}_shape"),
            helper.make_node("Expand", [f"{prefix}_zero_point", f"{p}_shape"],
                             [f"{p}_zero_point"], name=f"{p}_zero_point"),
            helper.make_node("QuantizeLinear", [rows, f"{p}_scale", f"{p}_zero_point"],
                             [f"{p}_int8"], name=f"{p}_int8", axis=-1, block_size=width)]
    return f"{p}_int8", f"{p}_scale"
