"""Two torchrun agents as two nodes (--nnodes 2, one process each, rendezvous on 127.0.0.1,
gloo), each in its own working directory, so no file is shared: every rank ends with the
best weights, the test metrics are the single-process ones, only node 0 writes the run, and
--resume restores node 1 from what node 0 saved."""

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

WORKER = Path(__file__).with_name("node_worker.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_nodes(snapshot: Path, dirs: list[Path], *args: str) -> list[subprocess.CompletedProcess]:
    port = str(_free_port())
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(WORKER.parent)}
    agents = [subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--node-rank", str(rank),
         "--nproc-per-node", "1", "--master-addr", "127.0.0.1", "--master-port", port,
         str(WORKER), str(snapshot), *args],
        cwd=dirs[rank], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for rank in (0, 1)]
    out = []
    for agent in agents:
        stdout, stderr = agent.communicate(timeout=240)
        out.append(subprocess.CompletedProcess(agent.args, agent.returncode, stdout, stderr))
    return out


def _result(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))[7:])


def test_two_nodes_without_a_shared_disk_match_one_process_through_a_resume(snapshot, tmp_path):
    single = run(snapshot, tmp_path / "single", sentiment, "classification",
                 ("negative", "positive"), patience=0, epochs=4)
    # The premise: the best epoch is not the last, so a node scoring its last-epoch weights
    # (instead of the best) would score other figures.
    assert single.result.best_epoch + 1 < 4
    nodes = [tmp_path / "node0", tmp_path / "node1"]
    for d in nodes:
        d.mkdir()
    stopped = _two_nodes(snapshot, nodes, "stop", "20")  # past epoch 1's checkpoint (step 15)
    assert all(p.returncode != 0 for p in stopped)
    assert (nodes[0] / ".run.partial" / "work" / "checkpoint.safetensors").is_file()
    assert not (nodes[1] / ".run.partial").exists()

    resumed = _two_nodes(snapshot, nodes, "resume")
    first, second = (_result(p) for p in resumed)
    assert (first["rank"], second["rank"]) == (0, 1)
    assert first["weights"] == second["weights"]  # node 1 holds the best weights too
    assert first["test"] == second["test"]
    assert first["steps"] == second["steps"] == single.result.steps
    assert first["best_epoch"] == single.result.best_epoch
    for key in ("accuracy", "loss"):
        assert first["test"][key] == pytest.approx(single.result.test[key], rel=0.02, abs=0.02)
    assert json.loads((nodes[0] / "run" / "metrics.json").read_text())["test"] == first["test"]
    assert json.loads((nodes[0] / "run" / "run.json").read_text())["processes"] == 2
    assert sorted(p.name for p in nodes[1].iterdir()) == []  # node 1 wrote nothing
