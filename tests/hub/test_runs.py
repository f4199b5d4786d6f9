"""zoo runs: the runs on this machine, read through their records; --compare ranks a task's."""

from __future__ import annotations

import json
from pathlib import Path

from zoo.testing import run_record

from hub_helpers import invoke


def _fake_run(path: Path, test: dict[str, float], **fields) -> Path:
    """A run directory as zoo adapt leaves it, as far as zoo runs reads it."""
    path.mkdir(parents=True)
    (path / "run.json").write_text(json.dumps(run_record(**fields).to_json()))
    (path / "metrics.json").write_text(json.dumps({"metric": fields.get("metric", "accuracy"),
                                                   "test": test}))
    return path


def test_runs_lists_each_run_with_its_record(runs):
    result = invoke("runs", runs["full"].parent, "--json")
    assert result.exit_code == 0, result.output
    listed = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(listed) == {"full", "lora"}
    for name in ("full", "lora"):
        run = listed[name]
        metrics = json.loads((runs[name] / "metrics.json").read_text())
        assert run["test"] == metrics["test"] and run["metric"] == "accuracy"
        assert (run["entry"], run["task"], run["strategy"]) == ("tiny-bert", "classify", name)
        assert run["lineage"]["base"] == {"entry": "tiny-bert", "repo": "local/tiny-bert",
                                          "revision": json.loads((runs[name] / "run.json")
                                                                 .read_text())["revision"]}
        assert run["size"] > 0 and run["date"]
    assert listed["full"]["formats"] == ["transformers"]
    assert listed["lora"]["formats"] == ["peft"]
    table = invoke("runs", runs["full"].parent)
    assert table.exit_code == 0
    header, *rows = table.stdout.splitlines()
    assert header.split()[:5] == ["NAME", "ENTRY", "TASK", "STRATEGY", "TEST"]
    assert [row.split()[0] for row in rows] == ["full", "lora"]


def test_runs_looks_in_dot_runs_and_zoo_runs(monkeypatch, tmp_path):
    _fake_run(Path("runs") / "here", {"accuracy": 0.5})
    _fake_run(tmp_path / "elsewhere" / "there", {"accuracy": 0.6})
    monkeypatch.setenv("ZOO_RUNS", str(tmp_path / "elsewhere"))
    result = invoke("runs", "--json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["here", "there"]


def test_lineage_formats_and_a_damaged_run(tmp_path):
    _fake_run(tmp_path / "student", {"accuracy": 0.7}, strategy="distill",
              strategy_config={"teacher": "runs/teacher"})
    exported = _fake_run(tmp_path / "exported", {"accuracy": 0.8})
    (exported / "onnx").mkdir()
    (exported / "onnx" / "model.onnx").write_bytes(b"graph")
    (exported / "onnx" / "model_quantized.onnx").write_bytes(b"graph")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{")
    result = invoke("runs", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    listed = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(listed) == {"student", "exported"}
    assert listed["student"]["lineage"]["teacher"] == {"run": "runs/teacher"}
    assert listed["exported"]["formats"] == ["transformers", "onnx", "onnx-int8"]
    assert result.stderr.startswith(f"zoo: warning: skipped {tmp_path}/broken/run.json: not "
                                    "valid JSON")


def test_compare_ranks_one_tasks_runs_by_their_test_metric(tmp_path):
    for name, value in (("a", 0.6), ("b", 0.9), ("c", 0.75)):
        _fake_run(tmp_path / name, {"accuracy": value, "loss": 1 - value})
    _fake_run(tmp_path / "other", {"mse": 0.1}, task="regress", head="regression", metric="mse")
    result = invoke("runs", tmp_path, "--task", "classify", "--compare", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["rank"], r["name"]) for r in json.loads(result.stdout)] == [
        (1, "b"), (2, "c"), (3, "a")]
    table = invoke("runs", tmp_path, "--task", "classify", "--compare")
    assert [line.split()[:3] for line in table.stdout.splitlines()[1:]] == [
        ["1", "b", "accuracy=0.9000"], ["2", "c", "accuracy=0.7500"], ["3", "a", "accuracy=0.6000"]]


def test_compare_ranks_a_lower_is_better_metric_ascending(tmp_path):
    for name, value in (("worse", 0.4), ("better", 0.1)):
        _fake_run(tmp_path / name, {"mse": value}, task="regress", head="regression",
                  metric="mse", labels=())
    result = invoke("runs", tmp_path, "--compare", "--json")
    assert [r["name"] for r in json.loads(result.stdout)] == ["better", "worse"]


def test_compare_across_tasks_is_one_line_and_exit_2(tmp_path):
    _fake_run(tmp_path / "a", {"accuracy": 0.5})
    _fake_run(tmp_path / "b", {"mse": 0.1}, task="regress", head="regression", metric="mse")
    result = invoke("runs", tmp_path, "--compare")
    assert result.exit_code == 2
    assert result.output == ("Error: --compare ranks the runs of one task; these are of "
                             "classify, regress: give --task\n")


def test_a_folder_that_is_not_there_is_exit_2(tmp_path):
    result = invoke("runs", tmp_path / "nope")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path}/nope is not a folder")
