"""The same run under torchrun with 2 CPU processes (gloo) gets the single-process metrics."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from engine_helpers import run
from engine_tiny import sentiment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_match_one(snapshot, tmp_path):
    single = run(snapshot, tmp_path / "one", sentiment, "classification",
                 ("negative", "positive"), patience=0)
    worker = Path(__file__).with_name("ddp_worker.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
         str(worker), str(snapshot), str(tmp_path / "two")],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("METRICS "))
    two = json.loads(line.removeprefix("METRICS "))
    assert two["processes"] == 2
    assert two["steps"] == single.result.steps
    assert two["test"]["accuracy"] == pytest.approx(single.result.test["accuracy"], abs=0.02)
    assert two["test"]["loss"] == pytest.approx(single.result.test["loss"], rel=0.02, abs=0.01)
    assert (tmp_path / "two" / "metrics.json").is_file()
