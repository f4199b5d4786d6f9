"""``zoo export --quantize int8``: onnxruntime's dynamic int8 with per-channel weights, and,
where that moves the model's outputs too far, the weight layers whose int8 moves them most
given one activation scale per row (``zoo.onnx_rowwise``), then left in fp32, fewest first,
until the gate holds.

The gate, on the run's validation examples: the metric within the tolerance of fp32's, and,
for heads that predict the top class, at least ``MIN_AGREEMENT`` of the predictions equal to
fp32's. On a validation split of a thousand rows the metric alone is noise: int8 that changes
3% of the predictions can keep it and still move another split by a point. Which layers
matter is measured, not guessed: each weight layer is quantized alone and ranked by how far
it moves the logits of training examples from fp32's (those examples are not the gate's).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zoo.capabilities import OnnxExport
from zoo.components import Head
from zoo.onnx_backend import MODEL, QUANTIZED, OnnxModel

#: The share of validation predictions int8 must leave as fp32 has them.
MIN_AGREEMENT = 0.99
#: How many of the most harmful layers each try moves up a precision: to per-row int8 (up to
#: every layer that can), then to fp32 (at most a quarter of the weight layers, beyond which
#: int8 gives up most of its speed).
LADDER = (1, 2, 4, 8, 16, 32, 64, 128)
#: Training examples the layers are ranked on.
RANKING_EXAMPLES = 64
#: Op types with a weight initializer that onnxruntime's dynamic quantizer rewrites.
WEIGHT_OPS = ("MatMul", "Gemm", "Conv")


def weight_nodes(path: Path) -> list[str]:
    """The nodes of ``WEIGHT_OPS`` with a weight initializer, in graph order."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    return [n.name for n in graph.node
            if n.op_type in WEIGHT_OPS and any(x in weights for x in n.input)]


def _onnx_attention(path: Path) -> list[str]:
    """ONNX's own Attention nodes, which onnxruntime's quantizer would take for its
    com.microsoft Attention and rewrite into an invalid QAttention."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type == "Attention" and n.domain in ("", "ai.onnx")]


def _names(nodes: Sequence[str]) -> list[str]:
    # The quantizer turns each Gemm into a MatMul named "<gemm>_MatMul" before it reads the
    # node lists, so a Gemm is named both ways.
    return [m for n in nodes for m in (n, f"{n}_MatMul")]


def quantize(src: Path, dst: Path, fp32_nodes: Sequence[str] = (),
             only: Sequence[str] | None = None, rowwise: Sequence[str] = ()) -> None:
    """``src`` in dynamic int8 at ``dst``, ``fp32_nodes`` left as they are and ``rowwise``
    quantized a row at a time (or only ``only`` quantized). Embedding lookups (Gather) stay
    fp32: as int8 they share one scale per table, which costs accuracy and saves no time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.registry import IntegerOpsRegistry

    from zoo.onnx_rowwise import rewrite

    model = rewrite(onnx.load(str(src)), rowwise) if rowwise else str(src)
    quantize_dynamic(model, str(dst), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=[t for t in IntegerOpsRegistry if t != "Gather"],
                     nodes_to_quantize=_names(only) if only is not None else None,
                     # With ``only`` nothing else is touched: no graph to read (each ranked
                     # layer would read it again).
                     nodes_to_exclude=[*_names(fp32_nodes),
                                       *(_onnx_attention(src) if only is None else [])])


def agreement(reference: Sequence[Any], rows: Sequence[Any]) -> float | None:
    """The share of rows (of positions, for per-token rows) whose top class is the same in
    both; None where a row has one output (a regression) and no top class to agree on."""
    import numpy as np

    same = total = 0
    for ref, got in zip(reference, rows):
        ref, got = np.asarray(ref), np.asarray(got)
        if ref.size == 0:
            continue
        if ref.shape[-1] < 2:
            return None
        same += int((ref.argmax(-1) == got.argmax(-1)).sum())
        total += int(np.prod(ref.shape[:-1]))
    return same / total if total else None


def _distance(reference: Sequence[Any], rows: Sequence[Any]) -> float:
    """Mean squared difference over every logit."""
    import numpy as np

    diffs = [np.asarray(r, dtype=np.float64) - g for r, g in zip(reference, rows)]
    return float(sum((d ** 2).sum() for d in diffs) / max(sum(d.size for d in diffs), 1))


def rank_layers(folder: Path, open_model: Any, inputs: Sequence[Any]) -> list[dict[str, Any]]:
    """Each weight layer of ``folder``'s fp32 model quantized alone, most harmful first."""
    reference = open_model(MODEL).logits(inputs)
    ranked = []
    for node in weight_nodes(folder / MODEL):
        quantize(folder / MODEL, folder / QUANTIZED, only=[node])
        ranked.append({"node": node, "mse": _distance(reference, open_model(QUANTIZED).logits(inputs))})
    return sorted(ranked, key=lambda r: -r["mse"])


def quantize_int8(folder: Path, record: dict[str, Any], domain: OnnxExport, head: Head,
                  examples: Sequence[Any], fp32_rows: Sequence[Any], ranking: Sequence[Any],
                  metric: str, fp32_metric: float, tolerance: float) -> dict[str, Any]:
    """Write ``folder``'s int8 model, trying all-int8 then ever more layers in fp32; the
    record says what was tried and whether the last try passed (``passed``). ``fp32_rows``
    are fp32's logits on ``examples``; ``ranking``, training inputs to rank layers on."""

    def open_model(name: str) -> OnnxModel:
        return OnnxModel.open(folder, record, domain, head, name)

    def attempt(fp32_nodes: list[str], rowwise: list[str]) -> dict[str, Any]:
        quantize(folder / MODEL, folder / QUANTIZED, fp32_nodes, rowwise=rowwise)
        model = open_model(QUANTIZED)
        rows = model.logits([e.input for e in examples])
        value = model.evaluate(examples, rows)[metric]
        drop = (value - fp32_metric) if metric in head.lower_is_better else (fp32_metric - value)
        agree = agreement(fp32_rows, rows)
        passed = drop <= tolerance and (agree is None or agree >= MIN_AGREEMENT)
        return {"rowwise": rowwise, "fp32_nodes": fp32_nodes, metric: value, "drop": drop,
                "agreement": agree, "passed": passed}

    tried = [attempt([], [])]
    ranked: list[dict[str, Any]] = []
    if not tried[-1]["passed"]:
        ranked = rank_layers(folder, open_model, ranking)
        for fp32, rowwise in _ladder([r["node"] for r in ranked], _rowwise_nodes(folder / MODEL)):
            tried.append(attempt(fp32, rowwise))
            if tried[-1]["passed"]:
                break
    last = tried[-1]
    return {"metric": metric, "fp32": fp32_metric, "int8": last[metric], "drop": last["drop"],
            "agreement": last["agreement"], "tolerance": tolerance,
            "min_agreement": MIN_AGREEMENT, "per_channel": True,
            "rowwise": last["rowwise"], "fp32_nodes": last["fp32_nodes"],
            "passed": last["passed"], "tried": tried, "ranking": ranked}


def _rowwise_nodes(path: Path) -> list[str]:
    import onnx

    from zoo.onnx_rowwise import rowwise_nodes

    return rowwise_nodes(onnx.load(str(path), load_external_data=False))


def _ladder(ranked: list[str], rowwise: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    """The tries after all-int8, as (fp32 layers, per-row layers): the most harmful layers
    that can go per-row do so, 1, 2, 4, ... of them up to all; then 1, 2, 4, ... of the
    most harmful layers stay fp32 (up to a quarter), every other one that can going per-row."""
    can = set(rowwise)
    able = [n for n in ranked if n in can]
    for count in [c for c in LADDER if c < len(able)] + ([len(able)] if able else []):
        yield [], able[:count]
    for count in LADDER:
        if count > len(ranked) // 4:
            break
        fp32 = ranked[:count]
        yield fp32, [n for n in able if n not in fp32]
