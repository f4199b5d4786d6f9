"""Through the CLI, with a real ``zoo adapt`` running in another process: a second run into
its output is refused, and ``--resume`` continues only a run started with the same settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine_tiny import sentiment, sentiment_csv
from zoo.cli.main import cli
from zoo.engine.checkpoint import CHECKPOINT

#: Long enough that the run is still training when the test is done with it.
SLOW = ["--epochs", "1000", "--patience", "0", "--checkpoint-every", "1", "--batch-size", "16",
        "--lr", "2e-3", "--no-bf16", "--no-progress"]


@pytest.fixture
def training(catalog, tmp_path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    """A ``zoo adapt`` in a process of its own, past its first checkpoint (so holding the
    output); interrupted with Ctrl-C (SIGINT) when the test is done."""
    data, out = sentiment_csv(tmp_path / "reviews.csv", sentiment(200, 5)), tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoo.cli.main", "adapt", "tiny-bert", "--task", "classify",
         "--data", str(data), "--output", str(out), *SLOW],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"})
    checkpoint = tmp_path / ".run.partial" / "work" / CHECKPOINT
    deadline = time.monotonic() + 600  # a guard against hanging, not a figure under test
    try:
        while not checkpoint.is_file():
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the run never wrote its first checkpoint"
            time.sleep(0.1)
        yield proc, data, out
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output


def test_a_second_run_into_the_same_output_is_refused_while_the_first_runs(training):
    proc, data, out = training
    result = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                      str(data), "--output", str(out), *SLOW])
    line = _one_line_exit_2(result)
    assert f"another zoo adapt is writing {out} (pid {proc.pid})" in line
    # Nor may the advice a refused run used to give, --resume, share the first one's work.
    result = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                      str(data), "--output", str(out), "--resume", *SLOW])
    assert f"(pid {proc.pid})" in _one_line_exit_2(result)
    assert proc.poll() is None  # the first run was left alone


def test_resume_refuses_other_settings_naming_each(training, tmp_path):
    proc, data, out = training
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert (tmp_path / ".run.partial" / "work" / CHECKPOINT).is_file()
    # --max-steps differs too, which also keeps the run short if the check failed to refuse.
    args = ["adapt", "tiny-bert", "--task", "classify", "--output", str(out), "--resume",
            *SLOW, "--max-steps", "2"]
    result = CliRunner().invoke(cli, [*args, "--data", str(data), "--seed", "1", "--lr", "1e-3"])
    line = _one_line_exit_2(result)
    assert f"cannot resume {out}: the interrupted run used" in line
    for was, now in [("lr 0.002", "lr 0.001"), ("seed 0", "seed 1"),
                     ("max-steps 0", "max-steps 2")]:
        assert was in line and now in line
    other = sentiment_csv(tmp_path / "other.csv", sentiment(200, 6))
    result = CliRunner().invoke(cli, [*args, "--data", str(other)])
    assert "data sha256" in _one_line_exit_2(result)
    assert not out.exists()
