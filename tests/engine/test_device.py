"""--device: accelerate's choice by default, a missing device refused with one line, and the
precision each device trains in. CPU is what runs here; the GPU path is benchmarks/gpu_adapt.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine_helpers import run
from engine_tiny import sentiment
from zoo.cli.main import cli
from zoo.engine.device import available, mixed_precision, process_state
from zoo.engine.precision import cpu_has_bf16

LABELS = ("negative", "positive")


def test_auto_trains_where_accelerate_puts_it_and_records_it(snapshot, tmp_path):
    import torch

    outcome = run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, epochs=1)
    run_json = json.loads((tmp_path / "run" / "run.json").read_text())
    expected = "cuda" if torch.cuda.is_available() else "mps" if available("mps") else "cpu"
    assert run_json["train"]["device"] == "auto"
    assert run_json["device"] == outcome.result.device == expected
    assert run_json["mixed_precision"] == "no"  # FAST turns bf16 off
    assert next(outcome.result.model.parameters()).device.type == expected


def test_cpu_keeps_an_accelerator_idle(snapshot, tmp_path):
    outcome = run(snapshot, tmp_path / "run", sentiment, "classification", LABELS, epochs=1,
                  device="cpu")
    assert outcome.result.device == "cpu"
    assert json.loads((tmp_path / "run" / "run.json").read_text())["device"] == "cpu"


def test_one_process_may_switch_devices_between_runs():
    import torch

    assert process_state("cpu")._cpu is True
    assert process_state("auto")._cpu is not torch.accelerator.is_available()
    assert process_state("cpu").device.type == "cpu"


def test_precision_follows_the_hardware():
    assert mixed_precision("cpu", None) == ("bf16" if cpu_has_bf16() else "no")
    assert mixed_precision("cpu", False) == "no"
    assert mixed_precision("cuda", False) == "no"
    assert mixed_precision("cpu", True) == "bf16"


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_a_device_that_is_not_there_is_one_line_exit_2_and_writes_nothing(device, tmp_path):
    if available(device):
        pytest.skip(f"this machine has {device}")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["adapt", "minilm-l6", "--task", "sentiment", "--device",
                                      device, "--output", str(out / "run")])
    assert result.exit_code == 2, result.output
    assert f"--device {device}: no {device.upper()} device is available" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists()
    result = CliRunner().invoke(cli, ["eval", str(tmp_path), "--device", device])
    assert result.exit_code == 2 and "is available" in result.output


def test_an_unknown_device_is_refused():
    result = CliRunner().invoke(cli, ["adapt", "minilm-l6", "--task", "sentiment",
                                      "--device", "tpu"])
    assert result.exit_code == 2 and "tpu" in result.output
