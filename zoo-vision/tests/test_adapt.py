"""``zoo adapt`` on the vision domain: every strategy through zoo's own engine, and runs
that plain timm (or plain peft on timm) loads and that ``zoo eval`` / ``zoo predict`` use.

The engine-level tests train timm's tiny ``test_efficientnet`` (the MobileNetV2 family) on
two classes of synthetic images in seconds; the network tests adapt the real MobileNetV2
weights to the real digits task through the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from zoo import get_zoo
from zoo.adapt import adapt_snapshot
from zoo.catalog import Task
from zoo.data import Example, TaskData
from zoo.engine import TrainConfig
from zoo.errors import UsageError
from zoo.inference import load_run
from zoo.snapshot import Snapshot
from zoo_vision.domain import BASE_DIR
from zoo_vision.timm_models import create_model, import_timm

# One thread: a tiny model gains nothing from two, and on a machine where another job holds
# a core, OpenMP's second thread waiting on it makes each step many times slower.
FAST = dict(epochs=2, batch_size=8, lr=1e-2, progress=False, bf16=False, checkpoint_every=0,
            threads=1)
TASK = Task(name="shades", domain="vision", labels=("dark", "light"),
            options={"image_size": 32, "hflip": 0.0})


def shade(label: int, seed: int) -> Image.Image:
    """A noisy square, dark for label 0 and light for 1: learnable, never identical."""
    noise = Image.effect_noise((24, 24), 40 + seed % 7)
    return Image.eval(noise, lambda v: v // 3 + (150 if label else 0)).convert("RGB")


def examples(n: int, offset: int) -> list[Example]:
    return [Example(shade(i % 2, offset + i), i % 2) for i in range(n)]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A timm export of a tiny ImageNet-shaped model, as a Hub snapshot of timm/<arch> holds."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("snapshot") / "test_efficientnet"
    import_timm().models.save_for_hf(create_model("test_efficientnet"), str(path),
                                     safe_serialization=True)
    return path


@pytest.fixture(scope="module")
def runs(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One finished run per strategy (module-scoped: several tests read each)."""
    data = TaskData(examples(32, 0), examples(8, 100), examples(8, 200), TASK.labels, "0" * 64,
                     name="shades")
    out = tmp_path_factory.mktemp("runs")
    return {strategy: adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), TASK, data,
                                     strategy=strategy, config=TrainConfig(**FAST),
                                     output=out / strategy)
            for strategy in ("freeze", "full", "lora")}


def plain_logits(model: torch.nn.Module, run: Path, images: list[Image.Image]) -> torch.Tensor:
    """What a user gets with timm's own eval transform from the run's saved data config."""
    timm = import_timm()
    config = timm.data.resolve_data_config(model=model)
    transform = timm.data.create_transform(**config)
    with torch.no_grad():
        return model.eval()(torch.stack([transform(i) for i in images]))


IMAGES = [shade(0, 300), shade(1, 301), shade(1, 302)]


@pytest.mark.parametrize("strategy", ["freeze", "full"])
def test_a_run_loads_in_plain_timm_as_zoo_predicts(runs, strategy):
    run = runs[strategy].output
    model = import_timm().create_model(f"local-dir:{run}", pretrained=True)
    assert model.get_classifier().out_features == 2
    ours = torch.stack(load_run(run, get_zoo()).logits(IMAGES))
    torch.testing.assert_close(plain_logits(model, run, IMAGES), ours, atol=1e-4, rtol=1e-4)
    assert json.loads((run / "run.json").read_text())["domain_config"]["image_size"] == 32


def test_a_lora_run_is_an_adapter_plain_peft_applies_to_a_timm_model(runs):
    import peft

    run = runs["lora"].output
    config = json.loads((run / "adapter_config.json").read_text())
    assert config["modules_to_save"] == ["classifier"]
    assert not list(run.glob("model.safetensors"))  # an adapter, not a whole model
    base = import_timm().create_model(f"local-dir:{run / BASE_DIR}", pretrained=True)
    model = peft.PeftModel.from_pretrained(base, str(run))
    ours = torch.stack(load_run(run, get_zoo()).logits(IMAGES))
    torch.testing.assert_close(plain_logits(model, run, IMAGES), ours, atol=1e-4, rtol=1e-4)
    # base + adapter is the model training evaluated, batch-norm statistics included
    trained = runs["lora"].result.model.eval()
    batch = torch.stack([import_timm().data.create_transform(
        **import_timm().data.resolve_data_config(model=base))(i) for i in IMAGES])
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(batch), trained(batch), atol=1e-4, rtol=1e-4)


def test_freeze_trains_the_classifier_alone_on_cached_features(runs, snapshot):
    original = load_file(str(snapshot / "model.safetensors"))
    freeze, full = runs["freeze"], runs["full"]
    frozen = load_file(str(freeze.output / "model.safetensors"))
    tuned = load_file(str(full.output / "model.safetensors"))
    body = [k for k in original if not k.startswith("classifier.")]
    assert all(torch.equal(frozen[k], original[k]) for k in body)
    assert not all(torch.equal(tuned[k], original[k]) for k in body)
    assert freeze.result.feature_seconds > 0 and full.result.feature_seconds == 0


def test_full_gives_a_vision_head_the_backbones_learning_rate(runs):
    """Unlike text's, a vision head does not learn faster by default (the domain's measured
    ``fresh_head_lr_scale``)."""
    recorded = json.loads((runs["full"].output / "run.json").read_text())["train"]
    assert recorded["head_lr_scale"] == 1.0


def test_full_and_freeze_learn_the_shades_and_lora_trains_its_adapter_and_head(runs):
    for strategy in ("freeze", "full"):
        assert runs[strategy].result.test["accuracy"] > 0.5, strategy
    adapter = load_file(str(runs["lora"].output / "adapter_model.safetensors"))
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in adapter.items())  # B starts at 0
    assert any(k.startswith("base_model.model.classifier.") for k in adapter)


def test_distill_refuses_a_vision_task_before_any_work(snapshot, tmp_path):
    data = TaskData(examples(4, 0), [], [], TASK.labels, "0" * 64)
    with pytest.raises(UsageError, match="works on text tasks only; task 'shades' is vision"):
        adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), TASK, data, strategy="distill",
                       config=TrainConfig(**FAST), output=tmp_path / "run")
    assert not (tmp_path / "run").exists()


class Interrupt(Exception):
    pass


def test_an_interrupted_run_resumes_to_the_figures_of_an_uninterrupted_one(snapshot, tmp_path):
    """Training images are randomly cropped and flipped and the model has batch norm, so equal
    figures show that the random state and the running statistics came back as they were."""
    task = Task(name="shades", domain="vision", labels=TASK.labels,
                options={"image_size": 32, "hflip": 0.5, "min_scale": 0.5})
    data = TaskData(examples(32, 0), examples(8, 100), examples(8, 200), TASK.labels, "0" * 64)
    kwargs = dict(strategy="full", config=TrainConfig(**{**FAST, "checkpoint_every": 2,
                                                           "patience": 0}))
    whole = adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), task, data,
                           output=tmp_path / "whole", **kwargs)

    def stop(step: int) -> None:
        if step == 7:  # epoch 2 of 2 (4 steps each), one step past the checkpoint at step 6
            raise Interrupt()

    with pytest.raises(Interrupt):
        adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), task, data,
                       output=tmp_path / "cut", on_step=stop, **kwargs)
    assert not (tmp_path / "cut").exists()
    resumed = adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), task, data,
                             output=tmp_path / "cut", resume=True, **kwargs)
    assert resumed.result.steps == whole.result.steps == 8
    # Relative tolerances: the losses get small (1e-4) on this easy task.
    assert resumed.result.test == pytest.approx(whole.result.test)
    for mine, theirs in zip(resumed.result.history, whole.result.history, strict=True):
        assert mine["train_loss"] == pytest.approx(theirs["train_loss"])
        assert mine["validation"] == pytest.approx(theirs["validation"])


def test_freeze_layers_keeps_the_stem_and_first_stage_and_trains_the_rest(snapshot, tmp_path):
    from zoo import get_zoo

    data = TaskData(examples(32, 0), examples(8, 100), examples(8, 200), TASK.labels, "0" * 64)
    run = adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), TASK, data, strategy="freeze",
                         strategy_options={"layers": 1}, config=TrainConfig(**FAST),
                         output=tmp_path / "run")
    assert run.result.feature_seconds == 0  # part of the backbone trains: nothing to cache
    domain = get_zoo().domains.get("vision")
    model = domain.build_model(snapshot, get_zoo().heads.get("classification"), TASK.labels,
                               config=domain.make_config(**TASK.options))
    names = {id(t): n for n, t in [*model.named_parameters(), *model.named_buffers()]}
    layers = [[names[id(p)] for p in layer.parameters()] for layer in domain.backbone_layers(model)]
    stats = [[names[id(b)] for b in layer.buffers() if b.is_floating_point()]
             for layer in domain.backbone_layers(model)]
    assert len(layers) > 2
    original = load_file(str(snapshot / "model.safetensors"))
    tuned = load_file(str(run.output / "model.safetensors"))
    frozen = layers[0] + layers[1]  # the stem ("embeddings") and the first stage
    assert frozen and all(torch.equal(tuned[n], original[n]) for n in frozen)
    # ...and stay a fixed function: their batch norms keep the loaded running statistics.
    held = stats[0] + stats[1]
    assert held and all(torch.equal(tuned[n], original[n]) for n in held)
    for layer, layer_stats in zip(layers[2:], stats[2:]):
        assert not all(torch.equal(tuned[n], original[n]) for n in layer)
        assert not layer_stats or not all(torch.equal(tuned[n], original[n]) for n in layer_stats)
    assert not torch.equal(tuned["classifier.weight"], original["classifier.weight"])

def test_two_processes_train_the_same_task_to_the_same_accuracy(snapshot, tmp_path):
    """``torchrun`` with 2 CPU processes (gloo), as the text domain's test runs it. Batch norm
    normalises over each process's half of a batch (SyncBatchNorm needs an accelerator), so
    a vision run follows another path than one process does (its test loss here: 0.54
    against 0.18): the runs are compared for the task learnt, not to the digit."""
    import os
    import socket
    import subprocess
    import sys

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    worker = Path(__file__).with_name("ddp_worker.py")
    runs = {}
    for processes in (1, 2):
        proc = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes),
             "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
             str(worker), str(snapshot), str(tmp_path / str(processes)), "full"],
            capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
            timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        line = next(l for l in proc.stdout.splitlines() if l.startswith("METRICS "))
        runs[processes] = json.loads(line.removeprefix("METRICS "))
    one, two = runs[1], runs[2]
    assert (one["processes"], two["processes"]) == (1, 2)
    assert two["steps"] == one["steps"]
    assert one["test"]["accuracy"] == two["test"]["accuracy"] == 1.0  # 32 images, half each
    assert (tmp_path / "2" / "metrics.json").is_file()
    assert json.loads((tmp_path / "2" / "run.json").read_text())["processes"] == 2


@pytest.fixture(scope="module")
def digit_pngs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three scikit-learn digits as PNG files, as a user would have them."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    out = tmp_path_factory.mktemp("pngs")
    paths = {}
    for i in range(3):
        path = out / f"digit-{digits.target[i]}.png"
        Image.fromarray((digits.images[i] * 255 / 16).astype(np.uint8), "L").save(path)
        paths[str(digits.target[i])] = path
    return paths


@pytest.mark.network
def test_zoo_adapt_mobilenetv2_on_digits_then_eval_and_predict(vision_zoo, tmp_path, digit_pngs):
    from click.testing import CliRunner

    from zoo.cli.main import cli

    run = tmp_path / "run"
    runner = CliRunner()
    adapted = runner.invoke(cli, ["adapt", "mobilenetv2", "--task", "digits", "--strategy",
                                  "freeze", "--epochs", "3", "--vision-image-size", "32",
                                  "--output", str(run), "--no-progress", "--json"])
    assert adapted.exit_code == 0, adapted.output
    test = json.loads(adapted.stdout)["test"]
    assert test["accuracy"] > 0.5  # ten classes: chance is 0.1
    evaluated = runner.invoke(cli, ["eval", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["metrics"]["accuracy"] == pytest.approx(test["accuracy"], abs=0.03)
    predicted = runner.invoke(cli, ["predict", str(run), *map(str, digit_pngs.values()), "--json"])
    assert predicted.exit_code == 0, predicted.output
    rows = json.loads(predicted.stdout)
    assert [r["input"] for r in rows] == [str(p) for p in digit_pngs.values()]
    assert all(r["label"] in "0123456789" for r in rows)
    missing = runner.invoke(cli, ["predict", str(run), str(tmp_path / "nope.png")])
    assert missing.exit_code == 2 and "no such image file" in missing.output


@pytest.mark.network
def test_vision_options_belong_to_vision_tasks(vision_zoo, tmp_path):
    from click.testing import CliRunner

    from zoo.cli.main import cli

    result = CliRunner().invoke(cli, ["adapt", "mobilenetv2", "--task", "digits",
                                      "--vision-image-size", "8", "--output", str(tmp_path / "r")])
    assert result.exit_code == 2 and "at least 16" in result.output


@pytest.mark.network
def test_zoo_adapt_takes_a_folder_of_images_one_subfolder_per_class(vision_zoo, tmp_path):
    import numpy as np
    from click.testing import CliRunner
    from sklearn.datasets import load_digits

    from zoo.cli.main import cli

    digits = load_digits()
    for i in np.flatnonzero(digits.target < 2)[:40]:
        folder = tmp_path / "mine" / ("zero", "one")[digits.target[i]]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((digits.images[i] * 255 / 16).astype(np.uint8), "L").save(folder / f"{i}.png")
    run = tmp_path / "run"
    result = CliRunner().invoke(cli, ["adapt", "mobilenetv2", "--task", "classify-images", "--data",
                                      str(tmp_path / "mine"), "--strategy", "freeze", "--epochs", "1",
                                      "--vision-image-size", "32", "--output", str(run),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    recorded = json.loads((run / "run.json").read_text())
    assert recorded["data"]["name"] == str(tmp_path / "mine")
    assert sum(recorded["data"]["rows"].values()) == 40
    assert recorded["labels"] == ["one", "zero"]  # the class folders, sorted
