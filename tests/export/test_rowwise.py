"""Per-row int8 (zoo.onnx_rowwise) on graphs built here, run by ONNX Runtime: each row gets its
own scale, so a row of massive activations costs the others no precision; and the order in
which the int8 gate tries it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ort = pytest.importorskip("onnxruntime")

BATCH, SEQUENCE, WIDTH, OUT = 2, 6, 32, 8


def linear(opset: int = 23, second: bool = False) -> onnx.ModelProto:
    """``y = x @ w + b`` on (batch, sequence, WIDTH) inputs; ``second``: a product of two
    activations beside it (``x @ x^T``), which has no weight to quantize."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["product"], name="dense"),
             helper.make_node("Add", ["product", "b"], ["y"], name="bias")]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if second:
        nodes += [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
                  helper.make_node("MatMul", ["x", "xt"], ["scores"], name="scores")]
        outputs.append(helper.make_tensor_value_info("scores", TensorProto.FLOAT, None))
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence", WIDTH])
    weights = [numpy_helper.from_array(rng.standard_normal((WIDTH, OUT)).astype(np.float32), "w"),
               numpy_helper.from_array(rng.standard_normal(OUT).astype(np.float32), "b")]
    graph = helper.make_graph(nodes, "linear", [x], outputs, weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def run(model: onnx.ModelProto | Path, x: np.ndarray) -> np.ndarray:
    source = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


def inputs() -> np.ndarray:
    """Rows of ordinary activations, the first of each sequence massive (a [CLS] token's)."""
    x = np.random.default_rng(1).standard_normal((BATCH, SEQUENCE, WIDTH)).astype(np.float32)
    x[:, 0, 3] = 40.0
    return x


def test_each_row_is_quantized_with_its_own_scale():
    from zoo.onnx_rowwise import rewrite

    model, x = linear(), inputs()
    w = numpy_helper.to_array(model.graph.initializer[0])
    b = numpy_helper.to_array(model.graph.initializer[1])
    got = run(rewrite(model, ["dense"]), x)
    # symmetric int8 per row of x, per column of w, as the rewrite promises
    row_step = np.abs(x).max(-1, keepdims=True) / 127
    col_step = np.abs(w).max(0) / 127
    expected = (np.round(x / row_step) @ np.round(w / col_step)) * row_step * col_step + b
    assert np.abs(got - expected).max() < 1e-4 * np.abs(expected).max()
    assert {n.op_type for n in model.graph.node} >= {"MatMulIntegerToFloat", "QuantizeLinear"}
    assert "w" not in {i.name for i in model.graph.initializer}  # the fp32 weight is gone


def test_a_massive_row_costs_the_others_no_precision(tmp_path):
    from zoo.onnx_quantize import quantize

    model, x = linear(), inputs()
    onnx.save(model, tmp_path / "fp32.onnx")
    quantize(tmp_path / "fp32.onnx", tmp_path / "batch.onnx")
    quantize(tmp_path / "fp32.onnx", tmp_path / "rows.onnx", rowwise=["dense"])
    exact = run(model, x)
    error = {name: np.abs(run(tmp_path / f"{name}.onnx", x) - exact)[:, 1:].mean()
             for name in ("batch", "rows")}
    assert error["rows"] * 4 < error["batch"], error  # one scale per batch: 40 sets the step


def test_a_row_of_zeros_quantizes_to_zeros():
    from zoo.onnx_rowwise import rewrite

    model, x = linear(), inputs()
    x[1, 2] = 0.0
    bias = numpy_helper.to_array(model.graph.initializer[1])
    got = run(rewrite(model, ["dense"]), x)
    assert np.isfinite(got).all() and np.allclose(got[1, 2], bias)


def test_only_weight_products_from_opset_21_are_rewritten():
    from zoo.onnx_rowwise import rewrite, rowwise_nodes

    assert rowwise_nodes(linear(second=True)) == ["dense"]  # not x @ x^T
    assert rowwise_nodes(linear(opset=20)) == []  # no blocked QuantizeLinear before 21
    old = linear(opset=20)
    assert rewrite(old, ["dense"]) is old
    assert [n.op_type for n in old.graph.node] == ["MatMul", "Add"]


def test_the_gate_tries_rows_before_fp32_and_fp32_for_at_most_a_quarter():
    from zoo.onnx_quantize import _ladder

    ranked = [f"layer{i}" for i in range(8)]  # most harmful first
    able = [n for n in ranked if n != "layer0"]  # layer0 (a Conv, say) cannot go per-row
    tries = list(_ladder(ranked, able))
    assert tries[:4] == [([], ["layer1"]), ([], ["layer1", "layer2"]),
                         ([], ["layer1", "layer2", "layer3", "layer4"]), ([], able)]
    assert tries[4:] == [(["layer0"], able), (["layer0", "layer1"], able[1:])]
    assert list(_ladder(ranked, [])) == [(["layer0"], []), (["layer0", "layer1"], [])]
