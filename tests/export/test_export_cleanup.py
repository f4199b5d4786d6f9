"""zoo export stopped part way: a failure, Ctrl+C or SIGTERM leaves the run byte for byte as it
was; what an export killed outright left, the next export of that run removes, and only that."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from export_helpers import adapt, invoke, tree
from zoo import get_zoo

#: A real plugin: the text domain under another name, whose export stops in the middle (when
#: the graph is written and checked, before the parity gate) with the signal ZOO_TEST_SIGNAL
#: names.
STOPPING = """
import os, signal

from zoo import hookimpl
from zoo.plugins.text.domain import TextDomain


class StoppedText(TextDomain):
    name = "text-stopped"
    description = "the text domain, its export stopped half way by a signal"

    def onnx_encoder_config(self, preprocessor, max_length):
        if os.environ.get("ZOO_TEST_SIGNAL"):
            os.kill(os.getpid(), getattr(signal, os.environ["ZOO_TEST_SIGNAL"]))
        return super().onnx_encoder_config(preprocessor, max_length)


@hookimpl
def register_domains(register):
    register(StoppedText())
"""


@pytest.fixture
def stopping(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plugin):
    """An exported tiny run whose record names the ``text-stopped`` domain, with the plugin
    installed here and on PYTHONPATH for ``zoo export`` in a process of its own; returns the
    run, its validation data and a function running that export, stopped by the signal it is
    given."""
    make_plugin("zoo-test-stopped", STOPPING)
    site = str(tmp_path / "site")  # where make_plugin wrote it
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [site,
                                                                    os.environ.get("PYTHONPATH")])))
    run_dir, validation = adapt(tmp_path, "classification", "full", "--seed", "5")
    record = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**record, "domain": "text-stopped"}))

    def export(stop: str | None) -> subprocess.CompletedProcess:
        return subprocess.run(**export_process(run_dir, validation, stop), capture_output=True,
                              text=True, timeout=600)

    done = export(None)  # an earlier export, which a stopped one must keep
    assert done.returncode == 0, done.stderr
    return run_dir, validation, export


def export_process(run_dir: Path, validation: Path, stop: str | None) -> dict:
    """What ``subprocess`` needs to run ``zoo export`` of the run, stopped by ``stop``."""
    extra = {"ZOO_TEST_SIGNAL": stop} if stop else {}
    return {"args": [sys.executable, "-m", "zoo.cli.main", "export", str(run_dir), "--data",
                     str(validation)], "env": {**os.environ, **extra}}


def leftovers(run_dir: Path) -> list[str]:
    return sorted(p.name for p in run_dir.iterdir() if p.name.startswith(".onnx."))


def test_a_sigterm_part_way_leaves_the_run_as_it_was(stopping):
    run_dir, _, export = stopping
    before = tree(run_dir)
    done = export("SIGTERM")
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert tree(run_dir) == before and leftovers(run_dir) == []


def test_what_a_killed_export_left_the_next_export_removes(stopping):
    run_dir, _, export = stopping
    done = export("SIGKILL")
    assert done.returncode == -signal.SIGKILL
    stale = leftovers(run_dir)
    assert len(stale) == 1 and stale[0].endswith(".partial")  # nothing can clean up after SIGKILL
    done = export(None)
    assert done.returncode == 0, done.stderr
    assert leftovers(run_dir) == [] and (run_dir / "onnx" / "export.json").is_file()


def test_an_export_at_work_keeps_its_folder_from_another(stopping):
    from zoo.onnx_export import export_run

    run_dir, validation, _ = stopping
    stale = run_dir / ".onnx.older.old"  # left by an older zoo, which locked nothing
    (stale / "onnx").mkdir(parents=True)
    (run_dir / ".onnx.x.partial").symlink_to(stale)  # not a folder of zoo's: never followed
    # An export paused half way (SIGSTOP) holds its work folder's lock while another runs.
    paused = subprocess.Popen(**export_process(run_dir, validation, "SIGSTOP"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, status = os.waitpid(paused.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        assert not stale.exists()  # the paused export removed what nothing holds
        working = [name for name in leftovers(run_dir) if name != ".onnx.x.partial"]
        assert len(working) == 1 and working[0].endswith(".partial")
        export_run(run_dir, get_zoo(), data=validation)
        assert leftovers(run_dir) == sorted([".onnx.x.partial", *working])
    finally:
        os.kill(paused.pid, signal.SIGCONT)
        _, stderr = paused.communicate(timeout=600)
    assert paused.returncode == 0, stderr
    assert leftovers(run_dir) == [".onnx.x.partial"]


def test_a_card_that_cannot_be_written_leaves_the_run_and_its_export_as_they_were(env, tmp_path):
    run_dir, validation = adapt(tmp_path, "classification", "full", "--seed", "6")
    result = invoke("export", run_dir, "--data", validation)
    assert result.exit_code == 0, result.output
    card = run_dir / "README.md"
    card.unlink()
    card.mkdir()  # the card's path cannot be written: the rename onto it fails
    (card / "kept.txt").write_text("a folder where the card goes\n")
    before = tree(run_dir)
    result = invoke("export", run_dir, "--data", validation)
    assert result.exit_code == 1, result.output
    assert f"cannot put the export in place in {run_dir}" in result.output
    assert "the run is as it was" in result.output and "Traceback" not in result.output
    assert tree(run_dir) == before and leftovers(run_dir) == []
