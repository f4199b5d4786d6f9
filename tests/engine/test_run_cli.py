"""zoo adapt / eval / predict through click's CliRunner: options, errors, predictions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine_helpers import run
from engine_tiny import sentiment, tagging
from zoo.cli.main import cli


@pytest.fixture(scope="module")
def run_dir(snapshot, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    run(snapshot, out, sentiment, "classification", ("negative", "positive"))
    return out


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_predict_labels_each_input_like_the_loaded_model(run_dir):
    result = invoke("predict", str(run_dir), "good great movie", "awful dull plot", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert all(0.5 <= r["score"] <= 1 for r in rows)


def test_predict_reads_stdin_with_dash(run_dir):
    result = invoke("predict", str(run_dir), "-", "--json", input="fine fun film\npoor story\n")
    assert result.exit_code == 0, result.output
    assert [r["input"] for r in json.loads(result.stdout)] == ["fine fun film", "poor story"]


def test_predict_token_head_labels_each_word(snapshot, tmp_path):
    run(snapshot, tmp_path / "tags", tagging, "token-classification", ("other", "positive", "negative"))
    result = invoke("predict", str(tmp_path / "tags"), "the good movie was awful", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["label"] == ["other", "positive", "other", "other", "negative"]


def test_predict_on_a_directory_that_is_not_a_run(tmp_path):
    result = invoke("predict", str(tmp_path), "text")
    assert result.exit_code == 2
    assert "not a zoo run directory" in result.output


@pytest.mark.parametrize("args, message", [
    (["adapt", "minilm-l6", "--task", "sentimnt"], "did you mean 'sentiment'"),
    (["adapt", "minilm-l6", "--task", "sentiment", "--strategy", "loar"], "did you mean 'lora'"),
    (["adapt", "minilm-l6", "--task", "sentiment", "--lora-r", "4"], "--lora-r"),
    (["adapt", "minilm-l6", "--task", "sentiment", "--strategy", "lora", "--lora-r", "0"], "--lora-r must be at least 1"),
    (["adapt", "minilm-l6", "--task", "sentiment", "--epochs", "-1"], "--epochs must not be negative"),
])
def test_adapt_bad_usage_is_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_strategy_options_come_from_config_dataclasses():
    result = invoke("adapt", "--help")
    for flag in ("--freeze-layers", "--lora-r", "--lora-alpha", "--lora-dropout",
                 "--lora-targets", "--merge"):
        assert flag in result.output


def test_epochs_help_names_each_strategys_own_default():
    from zoo import get_zoo

    help_text = " ".join(invoke("adapt", "--help").output.split())
    for strategy in get_zoo().strategies.list():
        epochs = strategy.default_epochs(strategy.make_config())
        assert f"{strategy.name} {epochs}" in help_text


def test_bad_rows_are_a_usage_error(snapshot, tmp_path):
    from zoo.data import Example
    from zoo.adapt import adapt_snapshot
    from zoo.catalog import Task
    from zoo.data import TaskData
    from zoo.errors import UsageError
    from zoo.snapshot import Snapshot

    rows = sentiment(20) + [Example(None, 1)]
    data = TaskData(rows, rows[:4], rows[:4], ("negative", "positive"), "0" * 64)
    with pytest.raises(UsageError, match="needs each input as a string"):
        adapt_snapshot(Snapshot.folder(snapshot, "tiny"), Task(name="t", labels=("negative", "positive")),
                       data, strategy="full", output=tmp_path / "run")


def test_an_output_that_cannot_be_created_fails_before_data_or_download(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")  # were it resolved, minilm-l6 would fail (exit 1)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    missing_data = tmp_path / "never-read.csv"  # were it read, this would be the error
    result = invoke("adapt", "minilm-l6", "--task", "classify", "--data", str(missing_data),
                    "--output", str(blocker / "run"))
    assert result.exit_code == 2, result.output
    assert result.output == (f"Error: --output {blocker / 'run'} cannot be created: {blocker} is "
                             "a file, not a folder; choose another --output\n")


def test_predict_with_nothing_on_stdin_is_one_line(run_dir):
    result = invoke("predict", str(run_dir), "-", input="")
    assert result.exit_code == 2, result.output
    assert result.output == "Error: no input on stdin: give one input per line, or INPUTs as arguments\n"


@pytest.mark.parametrize("command", ["eval", "predict"])
@pytest.mark.parametrize("name", ["model.safetensors", "config.json", "run.json"])
@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_run_with_a_missing_or_truncated_file_is_one_line(run_dir, tmp_path, command, name, damage):
    import shutil

    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken)
    target = broken / name
    if damage == "missing":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    args = [command, str(broken)] + (["some text"] if command == "predict" else [])
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert str(broken) in result.output and "zoo adapt" in result.output


def test_adapt_shows_the_data_warnings(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")  # stops at resolving, after the data is read
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "".join(f"review {i},{['0', '1', 'neg', 'pos'][i % 4]}\n"
                                             for i in range(40)))
    result = invoke("adapt", "minilm-l6", "--task", "classify", "--data", str(path),
                    "--output", str(tmp_path / "run"))
    assert result.exit_code == 1, result.output
    warning, error = result.stderr.splitlines()
    assert warning.startswith(f"zoo: warning: the labels of {path} (csv) mix names and numbers")
    assert error.startswith("Error: cannot resolve backbone 'minilm-l6' offline")


@pytest.mark.parametrize("change, problem", [
    (lambda run: [], "run.json: not a JSON object"),
    (lambda run: {k: v for k, v in run.items() if k != "head"},
     "run.json: 'head' is missing or not a str"),
    (lambda run: {**run, "labels": "a,b"}, "run.json: 'labels' is missing or not a list"),
    (lambda run: {**run, "train": None}, "run.json: 'train' is missing or not a dict"),
])
def test_a_run_json_of_the_wrong_shape_is_one_line(run_dir, tmp_path, change, problem):
    import json
    import shutil

    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken)
    run = json.loads((broken / "run.json").read_text())
    (broken / "run.json").write_text(json.dumps(change(run)))
    result = invoke("predict", str(broken), "some text")
    assert result.exit_code == 2, result.output
    assert result.output == (f"Error: {broken}/{problem}; the run is damaged or incomplete: "
                             "train it again with zoo adapt\n")
