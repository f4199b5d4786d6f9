"""zoo export on tiny runs of every head and strategy: the graph, the parity gate, the files,
the model card, and ONNX Runtime's predictions against PyTorch's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from export_helpers import adapt, invoke, rows, tree
from zoo import get_zoo
from zoo.integrity import sha256_file
from zoo.onnx_backend import DEFAULT_OPSET, SESSION

HEADS = ["classification", "multilabel", "regression", "token-classification"]


@pytest.fixture(scope="module")
def runs(tiny_env):
    """One exported run per head, with its validation data."""
    out = {}
    for head in HEADS:
        run_dir, validation = adapt(tiny_env, head)
        result = invoke("export", run_dir, "--data", validation, "--json")
        assert result.exit_code == 0, result.output
        out[head] = (run_dir, validation, json.loads(result.stdout))
    return out


def texts(head: str, n: int = 12, seed: int = 7) -> list:
    return [r.get("text") or r["tokens"] for r in rows(head, n, seed)]


@pytest.mark.parametrize("head", HEADS)
def test_export_writes_a_symbolic_checked_graph_with_its_record(runs, head):
    run_dir, _, record = runs[head]
    folder = run_dir / "onnx"
    assert record == json.loads((folder / "export.json").read_text())
    assert set(record["files"]) == {"model.onnx", "model.onnx_data", "tokenizer.json"}
    for name, digest in record["files"].items():
        assert sha256_file(folder / name) == digest
    # the weights lie beside the graph, for ONNX Runtime to map rather than copy
    assert (folder / "model.onnx_data").stat().st_size > (folder / "model.onnx").stat().st_size
    # no exporter stack traces naming this machine's files, in a model that may be pushed
    for name in ("model.onnx", "model.onnx_data"):
        assert str(Path(torch.__file__).parent).encode() not in (folder / name).read_bytes()
    for value in record["graph"]["inputs"]:
        assert all(isinstance(d, str) for d in value["shape"]), value  # batch and sequence symbolic
    assert isinstance(record["graph"]["outputs"][0]["shape"][0], str)
    assert record["opset"] == DEFAULT_OPSET and record["versions"]["onnxruntime"]
    # attention as ONNX's one op (opset 23); the norms as they are, ONNX Runtime fusing at load
    ops = {n.op_type for n in onnx.load(str(folder / "model.onnx"), load_external_data=False).graph.node}
    assert {"Attention", "LayerNormalization"} <= ops, ops
    assert record["session"] == SESSION
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".onnx.")]  # no leftovers
    assert "## Deployment" in (run_dir / "README.md").read_text()
    validation = runs[head][1]
    assert record["validation"]["source"] == f"every row of {validation}"  # not its own data
    assert record["validation"]["examples"] == 40


def test_the_session_flushes_denormals_and_keeps_layer_norms_unfused(runs, tmp_path):
    """ONNX Runtime runs an export as its record says: denormal floats flushed to zero, and
    Add + LayerNormalization left as they are (its default would fuse them into
    SkipLayerNormalization, whose kernel is slower)."""
    import onnxruntime as ort

    from zoo.onnx_backend import session_options

    run_dir, _, record = runs["classification"]

    def optimized_ops(record: dict) -> set[str]:
        options, disabled = session_options(record)
        options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
        ort.InferenceSession(str(run_dir / "onnx" / "model.onnx"), options,
                             providers=["CPUExecutionProvider"], disabled_optimizers=disabled)
        optimized = onnx.load(str(tmp_path / "optimized.onnx"), load_external_data=False)
        return {n.op_type for n in optimized.graph.node}

    assert "SkipLayerNormalization" in optimized_ops({})  # what the default would do
    assert "SkipLayerNormalization" not in optimized_ops(record)
    options, _ = session_options(record)
    assert options.get_session_config_entry("session.set_denormal_as_zero") == "1"


def test_the_cards_loading_code_runs_and_gives_the_backends_logits(runs):
    from zoo.onnx_backend import load_onnx_run

    run_dir = runs["classification"][0]
    card = (run_dir / "README.md").read_text()
    code = card[card.index("## Deployment"):].split("```python\n", 1)[1].split("```", 1)[0]
    assert "disabled_optimizers=['SkipLayerNormFusion']" in code
    namespace: dict = {}
    exec(code.replace("RUN_DIR", str(run_dir)), namespace)
    expected = load_onnx_run(run_dir, get_zoo()).logits(["an example"])[0]
    assert np.allclose(namespace["logits"][0], expected, atol=1e-5)


def test_the_runs_own_data_is_gated_on_its_validation_split(env):
    """``--data`` with the file the run trained on gates on the rows it held out for
    validation, not on the rows it trained on."""
    run_dir, _ = adapt(env, "classification", "full", "--seed", "6")
    run = json.loads((run_dir / "run.json").read_text())
    own = run["data"]["name"]
    result = invoke("export", run_dir, "--data", own)
    assert result.exit_code == 0, result.output
    gate = json.loads((run_dir / "onnx" / "export.json").read_text())["validation"]
    assert gate["source"] == f"the validation split of {own} (the run's own data)"
    assert gate["examples"] == run["data"]["rows"]["validation"] < 160
    assert f"{gate['examples']} examples: {gate['source']}" in result.output


@pytest.mark.parametrize("head", HEADS)
def test_parity_gate_covers_batch_one_padding_and_untraced_lengths(runs, head):
    parity = runs[head][2]["parity"]["fp32"]
    assert parity["max_abs_diff"] <= 1e-4 and parity["same_argmax"] and parity["same_predictions"]
    assert parity["batch1_examples"] > 0 and parity["padded_rows"] > 0
    assert parity["untraced_lengths"] > 0
    assert parity["traced"][0] >= 2 and parity["traced"][1] >= 2


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("batch", [1, 3, 12])
def test_onnx_runtime_matches_pytorch_at_several_shapes(runs, head, batch):
    from zoo.inference import load_run
    from zoo.onnx_backend import load_onnx_run

    run_dir = runs[head][0]
    inputs = texts(head)[:batch]
    torch_rows = load_run(run_dir, get_zoo()).logits(inputs)
    onnx_rows = load_onnx_run(run_dir, get_zoo()).logits(inputs, batch_size=batch)
    assert len(torch_rows) == len(onnx_rows) == len(inputs)
    for ref, got in zip(torch_rows, onnx_rows):
        assert got.shape == tuple(ref.shape)
        assert np.abs(ref.numpy() - got).max() <= 1e-4


@pytest.mark.parametrize("head", HEADS)
def test_predict_and_eval_agree_between_backends(runs, head):
    run_dir, validation, _ = runs[head]
    inputs = [t if isinstance(t, str) else " ".join(t) for t in texts(head)]
    torch_out = json.loads(invoke("predict", run_dir, *inputs, "--json", "--no-bf16").stdout)
    result = invoke("predict", run_dir, *inputs, "--json", "--backend", "onnx")
    assert result.exit_code == 0, result.output
    onnx_out = json.loads(result.stdout)
    assert [r["label"] for r in onnx_out] == [r["label"] for r in torch_out]
    assert np.allclose(np.hstack([r["score"] for r in onnx_out]),
                       np.hstack([r["score"] for r in torch_out]), atol=1e-4)
    torch_eval = json.loads(invoke("eval", run_dir, "--data", validation, "--json", "--no-bf16").stdout)
    result = invoke("eval", run_dir, "--data", validation, "--json", "--backend", "onnx")
    assert result.exit_code == 0, result.output
    onnx_eval = json.loads(result.stdout)
    for name, value in onnx_eval["metrics"].items():
        assert value == pytest.approx(torch_eval["metrics"][name], abs=1e-4), name


@pytest.mark.parametrize("head", HEADS)
def test_eval_reports_the_same_loss_on_both_backends(runs, head):
    run_dir, validation, _ = runs[head]
    torch_eval = json.loads(invoke("eval", run_dir, "--data", validation, "--json", "--no-bf16").stdout)
    result = invoke("eval", run_dir, "--data", validation, "--json", "--backend", "onnx")
    assert result.exit_code == 0, result.output
    loss = json.loads(result.stdout)["metrics"]["loss"]
    assert loss > 0 and loss == pytest.approx(torch_eval["metrics"]["loss"], rel=1e-4, abs=1e-5)
    table = invoke("eval", run_dir, "--data", validation, "--backend", "onnx").output
    assert [f"{loss:.4f}"] in [line.split()[1:] for line in table.splitlines() if "loss" in line]


def test_token_word_labels_are_the_torch_backends_with_split_words(runs):
    run_dir = runs["token-classification"][0]
    sentence = "the movies was good boringly plots and hates awful films"
    torch_out = json.loads(invoke("predict", run_dir, sentence, "--json", "--no-bf16").stdout)[0]
    onnx_out = json.loads(invoke("predict", run_dir, sentence, "--json", "--backend", "onnx").stdout)[0]
    assert len(onnx_out["label"]) == len(sentence.split())
    assert onnx_out["label"] == torch_out["label"]


def test_int8_export_keeps_the_metric_and_is_served(env):
    run_dir, validation = adapt(env, "classification", "full", "--seed", "3")
    result = invoke("export", run_dir, "--data", validation, "--quantize", "int8", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    int8 = record["int8"]
    assert int8["drop"] <= 0.005 and int8["per_channel"] and int8["passed"]
    assert int8["agreement"] >= int8["min_agreement"] == 0.99
    assert {"model_quantized.onnx", "model_quantized.onnx_data"} <= set(record["files"])
    result = invoke("eval", run_dir, "--data", validation, "--json", "--backend", "onnx-int8")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["accuracy"] == pytest.approx(record["int8"]["int8"])


def test_int8_gate_failing_leaves_the_run_untouched(env):
    from zoo.onnx_export import ExportError, export_run

    run_dir, validation = adapt(env, "classification", "full", "--seed", "4")
    before = tree(run_dir)
    # No int8 model moves the metric by less than nothing: the gate must fail.
    with pytest.raises(ExportError, match="int8 loses too much: validation accuracy") as info:
        export_run(run_dir, get_zoo(), quantize="int8", data=validation, int8_tolerance=-1.0)
    assert info.value.exit_code == 1
    assert tree(run_dir) == before
    assert [p.name for p in run_dir.iterdir()] == [p.name for p in run_dir.iterdir()
                                                    if not p.name.startswith(".")]


def test_int8_gate_failing_tries_the_most_harmful_layers_per_row_then_in_fp32(env):
    from zoo.onnx_export import ExportError, export_run

    run_dir, validation = adapt(env, "classification", "full", "--seed", "5")
    # A drop no int8 model can keep under: all-int8 fails, then the ranked layers are tried.
    with pytest.raises(ExportError) as info:
        export_run(run_dir, get_zoo(), quantize="int8", data=validation, int8_tolerance=-1.0)
    message = str(info.value)
    tries = [(int(rows), int(fp32)) for rows, fp32 in
             re.findall(r"(\d+) layers per-row, (\d+) left fp32", message)]
    rowwise = [rows for rows, fp32 in tries if fp32 == 0]
    assert tries[0] == (0, 0) and rowwise[:3] == [0, 1, 2] and rowwise == sorted(rowwise), tries
    assert tries[len(rowwise)][1] == 1 and tries[-1][1] > 0, tries  # then fp32, fewest first
    assert "of predictions as fp32's" in message


def _weights_quantized(path: Path) -> set[str]:
    """The fp32 initializers a quantized graph replaced by int8 ones."""
    names = {i.name for i in onnx.load(str(path)).graph.initializer}
    return {n[:-len("_quantized")] for n in names if n.endswith("_quantized")}


def test_int8_leaves_named_layers_and_embeddings_in_fp32(runs, tmp_path):
    from zoo.onnx_quantize import quantize, weight_nodes

    src = runs["classification"][0] / "onnx" / "model.onnx"
    nodes = weight_nodes(src)
    graph = onnx.load(str(src), load_external_data=False).graph
    ops = {n.name: n.op_type for n in graph.node}
    head = nodes[-1]
    assert ops[head] == "Gemm"  # the classifier, which the quantizer renames as it rewrites
    weight = next(i for i in next(n for n in graph.node if n.name == head).input
                  if i in {w.name for w in graph.initializer})
    quantize(src, tmp_path / "all.onnx")
    quantize(src, tmp_path / "head.onnx", fp32_nodes=[head])
    everything, kept = _weights_quantized(tmp_path / "all.onnx"), _weights_quantized(tmp_path / "head.onnx")
    assert any(weight in name for name in everything)
    assert not any(weight in name for name in kept) and kept
    assert not any("embeddings" in name for name in everything)  # lookups stay fp32
    quantize(src, tmp_path / "one.onnx", only=[nodes[0]])
    assert len(_weights_quantized(tmp_path / "one.onnx")) == 1


def test_a_per_row_int8_model_serves_through_the_backend(runs, tmp_path):
    """Every MatMul per-row, the classifier (a Gemm) per batch: the model the gate's last
    per-row try writes runs on --backend onnx-int8 at any batch size."""
    import shutil

    from zoo.onnx_backend import QUANTIZED, load_onnx_run
    from zoo.onnx_quantize import _rowwise_nodes, agreement, quantize

    run_dir = tmp_path / "run"
    shutil.copytree(runs["classification"][0], run_dir)
    model = run_dir / "onnx" / "model.onnx"
    rowwise = _rowwise_nodes(model)
    assert rowwise and all("Gemm" not in name for name in rowwise)
    quantize(model, run_dir / "onnx" / QUANTIZED, rowwise=rowwise)
    ops = [n.op_type for n in onnx.load(str(run_dir / "onnx" / QUANTIZED)).graph.node]
    assert ops.count("MatMulIntegerToFloat") == len(rowwise) and "MatMul" not in ops
    inputs = texts("classification", n=24)
    fp32 = load_onnx_run(run_dir, get_zoo()).logits(inputs)
    for batch in (1, 5, 24):
        int8 = load_onnx_run(run_dir, get_zoo(), quantized=True).logits(inputs, batch_size=batch)
        assert agreement(fp32, int8) >= 0.9
        assert max(float(np.abs(a - b).max()) for a, b in zip(fp32, int8)) < 0.01


def test_agreement_counts_top_classes_and_skips_single_outputs():
    from zoo.onnx_quantize import agreement

    reference = [np.array([0.1, 0.9]), np.array([[2.0, 1.0], [0.0, 1.0]])]
    assert agreement(reference, [np.array([0.8, 0.2]), np.array([[2.0, 1.0], [0.0, 1.0]])]) == 2 / 3
    assert agreement([np.array([0.5])], [np.array([0.7])]) is None


def test_a_failed_export_keeps_an_earlier_export_as_it_was(runs):
    from zoo.onnx_export import ExportError, export_run

    run_dir, validation, _ = runs["classification"]
    before = tree(run_dir)
    with pytest.raises(ExportError):
        export_run(run_dir, get_zoo(), quantize="int8", data=validation, int8_tolerance=-1.0)
    assert tree(run_dir) == before


def test_a_lora_run_is_merged_and_matches_the_adapter(env):
    run_dir, validation = adapt(env, "classification", "lora", "--lora-r", "4")
    assert (run_dir / "adapter_config.json").is_file()
    result = invoke("export", run_dir, "--data", validation, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["parity"]["fp32"]["max_abs_diff"] <= 1e-4
    import onnx

    weights = [i.name for i in onnx.load(str(run_dir / "onnx" / "model.onnx")).graph.initializer]
    assert not [w for w in weights if "lora" in w.lower()]  # folded in, not exported as an adapter
    inputs = texts("classification")
    torch_out = json.loads(invoke("predict", run_dir, *inputs, "--json", "--no-bf16").stdout)
    onnx_out = json.loads(invoke("predict", run_dir, *inputs, "--json", "--backend", "onnx").stdout)
    assert [r["label"] for r in onnx_out] == [r["label"] for r in torch_out]


def test_torch_predicts_in_bf16_unless_told_not_to(runs):
    from zoo.inference import load_run

    run_dir = runs["classification"][0]
    inputs = texts("classification")
    fp32 = np.stack([r.numpy() for r in load_run(run_dir, get_zoo()).logits(inputs)])
    bf16 = np.stack([r.numpy() for r in load_run(run_dir, get_zoo(), bf16=True).logits(inputs)])
    assert not np.array_equal(fp32, bf16)  # autocast ran: bf16 rounds the matmuls
    assert np.abs(fp32 - bf16).max() < 0.05
    on = json.loads(invoke("predict", run_dir, *inputs, "--json", "--bf16").stdout)
    off = json.loads(invoke("predict", run_dir, *inputs, "--json", "--no-bf16").stdout)
    assert [r["score"] for r in on] != [r["score"] for r in off]
    result = invoke("predict", run_dir, "good", "--backend", "onnx", "--bf16")
    assert result.exit_code == 2 and "--bf16 is for --backend torch" in result.output


def test_a_distilled_student_exports_like_any_plain_model(env):
    run_dir, validation = adapt(env, "classification", "distill", "--distill-augment", "0")
    result = invoke("export", run_dir, "--data", validation, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["parity"]["fp32"]["max_abs_diff"] <= 1e-4
    layers = json.loads((run_dir / "config.json").read_text())["num_hidden_layers"]
    assert layers == 1  # the student, not its teacher


def test_a_mean_pooled_fewshot_run_exports_and_predicts_the_same_on_both_backends(env, zoo_env):
    """The default backbone is a sentence encoder: its runs (full's and fewshot's) are the
    mean-pooled model of zoo.plugins.text.pooled, which the export traces like any other."""
    pytest.importorskip("setfit")
    import shutil

    from export_helpers import write_jsonl
    from zoo.app import reset_zoo
    from zoo.plugins.text.pooling import write_pooling
    from zoo.testing import local_backbone_toml

    snapshot = env / "tiny-st"
    if not snapshot.exists():
        shutil.copytree(env / "tiny-bert", snapshot)
        write_pooling(snapshot, "mean", 32)  # build_tiny_bert's hidden size
    catalog = env / "pooled.toml"
    catalog.write_text(local_backbone_toml("tiny-st", snapshot, [
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "vocab.txt", "modules.json", "1_Pooling/config.json"]))
    zoo_env.monkeypatch.setenv("ZOO_CATALOG", str(catalog))
    reset_zoo()
    train = write_jsonl(env / "st-train.jsonl", rows("classification", 48, 1))
    validation = write_jsonl(env / "st-val.jsonl", rows("classification", 24, 2))
    run_dir = env / "st-fewshot"
    result = invoke("adapt", "tiny-st", "--task", "classify", "--data", train, "--strategy",
                    "fewshot", "--fewshot-pair-steps", "4", "--output", run_dir, "--no-bf16",
                    "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    result = invoke("export", run_dir, "--data", validation, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["parity"]["fp32"]["max_abs_diff"] <= 1e-4
    inputs = texts("classification")
    torch_out = json.loads(invoke("predict", run_dir, *inputs, "--json", "--no-bf16").stdout)
    onnx_out = json.loads(invoke("predict", run_dir, *inputs, "--json", "--backend", "onnx").stdout)
    assert [r["label"] for r in onnx_out] == [r["label"] for r in torch_out]
    assert np.allclose([r["score"] for r in onnx_out], [r["score"] for r in torch_out], atol=1e-4)
