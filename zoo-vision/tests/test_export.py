"""``zoo export`` and ``--backend onnx`` on vision runs: a tiny timm run trained through the
command line, exported with a dynamic batch and the run's image side fixed, checked against
PyTorch, and served by ONNX Runtime in a process where torch cannot load.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from zoo import get_zoo
from zoo.testing import BlockedRun, local_backbone_toml, offline_zoo, run_cli_blocking
from zoo_vision.timm_models import create_model, import_timm

#: Odd sizes and modes, so the resize, the centre crop and the RGB conversion all do work.
SIZES = [(24, 30), (40, 28), (33, 33), (20, 52)]
MODES = ["RGB", "L", "RGBA"]

def shade(label: int, seed: int) -> Image.Image:
    """A noisy picture, dark for label 0 and light for 1, of an odd size and mode."""
    width, height = SIZES[seed % len(SIZES)]
    noise = Image.effect_noise((width, height), 40 + seed % 7)
    grey = Image.eval(noise, lambda v: v // 3 + (150 if label else 0))
    return grey.convert(MODES[seed % len(MODES)])


def invoke(*args: object):
    from click.testing import CliRunner

    from zoo.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    """An offline zoo with zoo-vision and a catalog listing timm's tiny ``test_efficientnet``
    from a local folder, and a folder of labelled images (one subfolder per class)."""
    root = tmp_path_factory.mktemp("vision-export")
    torch.manual_seed(0)
    snapshot = root / "test_efficientnet"
    import_timm().models.save_for_hf(create_model("test_efficientnet"), str(snapshot),
                                     safe_serialization=True)
    for i in range(40):
        folder = root / "images" / ("dark", "light")[i % 2]
        folder.mkdir(parents=True, exist_ok=True)
        shade(i % 2, i).save(folder / f"{i}.png")
    catalog = root / "catalog.toml"
    catalog.write_text(local_backbone_toml("tiny-vision", snapshot,
                                           ["config.json", "model.safetensors"],
                                           domain="vision", architecture="test_efficientnet"))
    with offline_zoo(root, catalog, ZOO_PLUGINS="vision"):
        yield root


def adapt(root: Path, strategy: str) -> Path:
    out = root / f"run-{strategy}"
    result = invoke("adapt", "tiny-vision", "--task", "classify-images", "--data", root / "images",
                    "--strategy", strategy, "--output", out, "--epochs", "2", "--batch-size", "8",
                    "--lr", "1e-2", "--vision-image-size", "32", "--vision-hflip", "0",
                    "--no-bf16", "--no-progress", "--threads", "1", "--json")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def exported(env: Path) -> tuple[Path, dict]:
    run = adapt(env, "full")
    result = invoke("export", run, "--data", env / "images", "--json")
    assert result.exit_code == 0, result.output
    return run, json.loads(result.stdout)


def pngs(root: Path) -> list[Path]:
    return sorted((root / "images").rglob("*.png"))[:6]


def test_export_fixes_the_image_side_and_keeps_the_batch_dynamic(exported):
    run, record = exported
    assert sorted(p.name for p in (run / "onnx").iterdir()) == [
        "export.json", "model.onnx", "model.onnx_data"]
    assert record["inputs"] == [{"name": "pixel_values", "dynamic_axes": {"0": "batch"}}]
    assert record["graph"]["inputs"] == [{"name": "pixel_values", "shape": ["batch", 3, 32, 32]}]
    assert record["graph"]["outputs"][0]["shape"] == ["batch", 2]
    assert record["encoder"] == {"inputs": ["pixel_values"], "image_size": 32, "crop_pct": 0.95,
                                 "interpolation": "bicubic", "mean": [0.485, 0.456, 0.406],
                                 "std": [0.229, 0.224, 0.225]}
    assert record["session"]["config"] == {"session.set_denormal_as_zero": "1"}
    parity = record["parity"]["fp32"]
    assert parity["max_abs_diff"] <= 1e-4 and parity["same_argmax"] and parity["same_predictions"]
    # The run's own --data is checked on the validation split it was adapted with, not every row.
    split = json.loads((run / "run.json").read_text())["data"]["rows"]["validation"]
    assert 0 < split < 40 and parity["examples"] == split
    assert parity["batch1_examples"] == min(split, 8)
    assert record["validation"]["examples"] == split
    assert "validation split" in record["validation"]["source"]
    assert parity["lengths"] == [] and parity["padded_rows"] == 0
    assert record["validation"]["onnx_fp32"] == record["validation"]["torch"]
    assert "## Deployment" in (run / "README.md").read_text()


def test_the_encoder_gives_the_pixels_of_the_torch_evaluation_transform(exported, env):
    from zoo.inference import load_run
    from zoo.onnx_backend import load_onnx_run

    run, _ = exported
    loaded, onnx = load_run(run, get_zoo()), load_onnx_run(run, get_zoo())
    images = [shade(i % 2, 500 + i) for i in range(12)] + pngs(env)
    ours = onnx.encoder.collate(onnx.encoder.encode(images))["pixel_values"]
    theirs = loaded.domain.collate(loaded.preprocessor, [{"image": i} for i in images])
    assert ours.dtype == np.float32 and ours.shape == (18, 3, 32, 32)
    np.testing.assert_allclose(ours, theirs["pixel_values"].numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_onnx_runtime_gives_pytorchs_logits_at_batches_not_traced(exported, env, batch):
    from zoo.inference import load_run
    from zoo.onnx_backend import load_onnx_run

    run, _ = exported
    images = [shade(i % 2, 700 + i) for i in range(batch)]
    torch_logits = torch.stack(load_run(run, get_zoo()).logits(images)).numpy()
    onnx_logits = np.stack(load_onnx_run(run, get_zoo()).logits(images))
    np.testing.assert_allclose(onnx_logits, torch_logits, rtol=0, atol=1e-4)


def blocked_run(args: list[str]) -> BlockedRun:
    """``zoo ARGS`` with torch, timm and torchvision unimportable."""
    return run_cli_blocking(args, ("torch", "timm", "torchvision"),
                            ("torch", "timm", "torchvision", "onnxruntime"))


def test_predict_on_onnx_with_torch_unimportable_gives_torchs_labels(exported, env):
    run, _ = exported
    files = [str(p) for p in pngs(env)]
    torch_rows = json.loads(invoke("predict", run, *files, "--json", "--no-bf16").stdout)
    done = blocked_run(["predict", str(run), *files, "--backend", "onnx", "--json"])
    assert (done.code, done.loaded) == (0, ["onnxruntime"]), done
    onnx_rows = json.loads(done.stdout)
    assert [r["input"] for r in onnx_rows] == files
    assert [r["label"] for r in onnx_rows] == [r["label"] for r in torch_rows]
    assert [r["score"] for r in onnx_rows] == pytest.approx([r["score"] for r in torch_rows],
                                                            abs=1e-4)


def test_eval_on_onnx_with_torch_unimportable_gives_torchs_accuracy(exported, env):
    run, record = exported
    done = blocked_run(["eval", str(run), "--data", str(env / "images"), "--backend", "onnx",
                        "--json"])
    assert (done.code, done.loaded) == (0, ["onnxruntime"]), done
    assert json.loads(done.stdout)["metrics"]["accuracy"] == record["validation"]["torch"]


def test_predict_on_onnx_names_a_missing_image_in_one_line(exported, env):
    run, _ = exported
    result = invoke("predict", run, env / "nope.png", "--backend", "onnx")
    assert result.exit_code == 2 and "nope.png: no such image file" in result.output
    assert "Traceback" not in result.output


def test_the_model_cards_plain_onnxruntime_code_gives_the_exports_logits(exported, env):
    from zoo.onnx_backend import load_onnx_run

    run, _ = exported
    card = (run / "README.md").read_text()
    section = card[card.index("## Deployment"):]
    start = section.index("```python\n") + len("```python\n")
    code = section[start:section.index("\n```", start)]
    assert "torch" not in code and "zoo" not in code
    image = pngs(env)[1]
    namespace: dict = {}
    exec(code.replace("RUN_DIR", str(run)).replace("an_image.png", str(image)), namespace)
    np.testing.assert_allclose(namespace["logits"][0], load_onnx_run(run, get_zoo()).logits([image])[0],
                               rtol=0, atol=1e-6)
    assert namespace["labels"] == ["dark", "light"]


def test_int8_keeps_the_metric_and_serves_the_same_labels(exported, env):
    import onnx

    run, _ = exported
    result = invoke("export", run, "--data", env / "images", "--quantize", "int8", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["int8"]["drop"] <= record["int8"]["tolerance"]
    ops = {n.op_type for n in onnx.load(str(run / "onnx" / "model_quantized.onnx")).graph.node}
    assert "ConvInteger" in ops  # the convolutions run in int8, not just the classifier
    files = [str(p) for p in pngs(env)]
    fp32 = json.loads(invoke("predict", run, *files, "--backend", "onnx", "--json").stdout)
    int8 = invoke("predict", run, *files, "--backend", "onnx-int8", "--json")
    assert int8.exit_code == 0, int8.output
    assert [r["label"] for r in json.loads(int8.stdout)] == [r["label"] for r in fp32]


def test_a_lora_run_exports_merged_into_its_base(env):
    from zoo.inference import load_run
    from zoo.onnx_backend import load_onnx_run

    run = adapt(env, "lora")
    result = invoke("export", run, "--data", env / "images", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["parity"]["fp32"]["same_predictions"]
    images = pngs(env)
    np.testing.assert_allclose(np.stack(load_onnx_run(run, get_zoo()).logits(images)),
                               torch.stack(load_run(run, get_zoo()).logits(images)).numpy(), rtol=0, atol=1e-4)


def test_zoo_serve_labels_uploaded_pngs_as_zoo_predict_does(exported, env):
    """The run served on torch and on its export: PNGs uploaded (multipart) and in base64 get
    zoo predict's labels; a file that is not an image and a path string are 400s."""
    import base64

    from zoo.testing.serving import ServeProcess

    run, _ = exported
    files = pngs(env)
    servers = {"torch": ServeProcess(run, ["--no-bf16"]).start(),
               "onnx": ServeProcess(run, ["--backend", "onnx"]).start()}
    try:
        for backend, server in servers.items():
            server.wait_ready()
            args = ["--no-bf16"] if backend == "torch" else ["--backend", backend]
            want = [{k: p[k] for k in ("label", "score")}
                    for p in json.loads(invoke("predict", run, *files, "--json", *args).stdout)]
            uploaded = server.post_files("/predict", [(f.name, f.read_bytes()) for f in files])
            assert uploaded.status == 200, uploaded.body
            rows = uploaded.json()["predictions"]
            assert [r["input"] for r in rows] == [f.name for f in files]
            assert [{k: r[k] for k in ("label", "score")} for r in rows] == want
            encoded = server.post_json("/predict", {"inputs": [
                {"image": base64.b64encode(f.read_bytes()).decode()} for f in files]})
            assert [{k: r[k] for k in ("label", "score")}
                    for r in encoded.json()["predictions"]] == want
            not_image = server.post_files("/predict", [("notes.png", b"not a picture")])
            assert not_image.status == 400
            assert not_image.json() == {"error": "input 0 (notes.png) is not a readable image "
                                                 "(not an image PIL can read)"}
            path = server.post_json("/predict", {"inputs": [str(files[0])]})
            assert path.status == 400 and "this run labels images" in path.json()["error"]
    finally:
        for server in servers.values():
            server.close()
