"""zoo predict --file: every format, both backends, bad rows reported by line, a missing column."""

from __future__ import annotations

import json

import pytest

from export_helpers import adapt, invoke


@pytest.fixture(scope="module")
def exported(tiny_env):
    run_dir, validation = adapt(tiny_env, "classification")
    result = invoke("export", run_dir, "--data", validation)
    assert result.exit_code == 0, result.output
    return run_dir


FILES = {
    "in.csv": 'text,id\ngood great movie,1\n"",2\nawful bad plot,3\n',
    "in.jsonl": '{"text": "good great movie"}\nnot json\n{"text": "awful bad plot"}\n',
    "in.txt": "good great movie\n\nawful bad plot\n",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_predict_file_writes_a_line_per_row_on_both_backends(exported, tmp_path, name):
    source = tmp_path / name
    source.write_text(FILES[name])
    out = {}
    for backend, precision in (("torch", "--no-bf16"), ("onnx", "--no-progress")):
        target = tmp_path / f"{backend}.jsonl"
        result = invoke("predict", exported, "--file", source, "--output", target,
                        "--backend", backend, "--no-progress", precision)
        assert result.exit_code == 0, result.output
        out[backend] = [json.loads(line) for line in target.read_text().splitlines()]
        assert "2 predictions written" in result.output
    assert [r["input"] for r in out["torch"]] == ["good great movie", "awful bad plot"]
    assert [r["label"] for r in out["onnx"]] == [r["label"] for r in out["torch"]]
    lines = ["line 2", "line 4"] if name == "in.csv" else ["line 1", "line 3"]  # csv: a header
    assert [r["where"] for r in out["onnx"]] == lines
    if name != "in.txt":  # a blank line of a .txt is no row at all
        assert "1 rows skipped: line" in result.output


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_predict_file_with_a_missing_column_is_one_line_exit_2(exported, tmp_path, backend):
    source = tmp_path / "in.csv"
    source.write_text(FILES["in.csv"])
    target = tmp_path / "out.jsonl"
    result = invoke("predict", exported, "--file", source, "--column", "body", "--output", target,
                    "--backend", backend, "--no-progress")
    assert result.exit_code == 2, result.output
    assert "has no column 'body'" in result.output and "Traceback" not in result.output
    assert not target.exists() and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["--file", "in.csv"], "needs --output"),
    (["text", "--output", "o.jsonl"], "go with --file"),
    ([], "give one or more INPUTs"),
])
def test_predict_file_usage_mistakes_are_one_line_exit_2(exported, args, message):
    result = invoke("predict", exported, *args)
    assert result.exit_code == 2 and message in result.output, result.output
