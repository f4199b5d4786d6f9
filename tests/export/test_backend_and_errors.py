"""--backend onnx in a process where torch cannot load; the extra missing; bad input: one line,
exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export_helpers import adapt, invoke
from zoo import get_zoo
from zoo.testing import run_cli_blocking

#: What the ONNX backend may and may not pull in.
WATCHED = ("torch", "transformers", "onnx", "onnxruntime")


@pytest.fixture(scope="module")
def exported(tiny_env):
    run_dir, validation = adapt(tiny_env, "token-classification")
    result = invoke("export", run_dir, "--data", validation)
    assert result.exit_code == 0, result.output
    return run_dir, validation


def test_onnx_backend_runs_with_torch_and_transformers_unimportable(exported, env):
    run_dir, validation = exported
    sentence = "the movies was good and hates awful films"
    torch_labels = json.loads(invoke("predict", run_dir, sentence, "--json", "--no-bf16").stdout)[0]["label"]
    run = run_cli_blocking(["predict", str(run_dir), sentence, "--backend", "onnx", "--json"],
                           ("torch", "transformers"), WATCHED)
    assert (run.code, run.loaded) == (0, ["onnxruntime"]), run
    assert json.loads(run.stdout)[0]["label"] == torch_labels
    run = run_cli_blocking(["eval", str(run_dir), "--data", str(validation), "--backend", "onnx",
                            "--json"], ("torch", "transformers"), WATCHED)
    assert (run.code, run.loaded) == (0, ["onnxruntime"]), run
    assert json.loads(run.stdout)["metrics"]["loss"] > 0  # the head's loss, on numpy


@pytest.mark.parametrize("module", ["onnx", "onnxscript", "onnxruntime"])
def test_export_without_the_extra_names_the_install_command(exported, env, module):
    run_dir, validation = exported
    run = run_cli_blocking(["export", str(run_dir), "--data", str(validation)], (module,), WATCHED)
    assert run.code == 2, run
    assert f"needs the onnx extra, and {module} is not installed: pip install" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("module", ["onnxruntime", "tokenizers"])
def test_onnx_backend_without_the_extra_names_the_install_command(exported, env, module):
    run_dir, _ = exported
    run = run_cli_blocking(["predict", str(run_dir), "good", "--backend", "onnx"], (module,),
                           WATCHED)
    assert run.code == 2, run
    assert f"{module} is not installed: pip install" in run.stderr
    assert "Traceback" not in run.stderr


def test_zoo_list_imports_no_onnx_library():
    run = run_cli_blocking(["list"], (), WATCHED)
    assert (run.code, run.loaded) == (0, []), run


@pytest.mark.parametrize("args", [["export"], ["predict", "--backend", "onnx", "text"],
                                  ["eval", "--backend", "onnx"]])
def test_a_directory_that_is_not_a_run_is_one_line_exit_2(tmp_path, args):
    result = invoke(args[0], tmp_path, *args[1:])
    assert result.exit_code == 2, result.output
    assert "not a zoo run directory" in result.output and "Traceback" not in result.output


def test_a_backend_zoo_lacks_is_refused_before_the_run_is_read(tmp_path):
    from zoo.errors import UsageError
    from zoo.inference import load_predictor

    with pytest.raises(UsageError, match="--backend is one of torch, onnx, onnx-int8, not 'trt'"):
        load_predictor(tmp_path, get_zoo(), "trt")


def test_a_run_without_an_export_asks_for_zoo_export(env):
    run_dir, _ = adapt(env, "classification", "freeze")
    result = invoke("predict", run_dir, "good film", "--backend", "onnx")
    assert result.exit_code == 2
    assert "has no ONNX export; run `zoo export" in result.output
    result = invoke("export", run_dir)
    assert result.exit_code == 2  # the task reads the user's own data: --data is needed
    assert "give --data FILE" in result.output


def test_a_domain_without_export_fails_before_any_work(zoo_env, tmp_path: Path):
    from zoo import get_zoo
    from zoo.components import Domain

    class PlainDomain(Domain):
        """The required methods only, none of which the refusal may reach."""

        name = "plain"
        description = "a domain with no ONNX export"

        def load_preprocessor(self, path, *, entry=None, config=None):
            raise AssertionError("reached")

        def build_model(self, path, head, labels, *, entry=None, config=None):
            raise AssertionError("reached")

        def encode(self, preprocessor, inputs, labels, head, max_length):
            raise AssertionError("reached")

        def length(self, feature):
            raise AssertionError("reached")

        def collate(self, preprocessor, features, training=False):
            raise AssertionError("reached")

        def save(self, model, preprocessor, path):
            raise AssertionError("reached")

        def load_run(self, path, head):
            raise AssertionError("reached")

        def loading_code(self, head, fmt):
            raise AssertionError("reached")

    get_zoo().domains.register(PlainDomain(), "test")
    tmp_path = tmp_path / "run"
    tmp_path.mkdir()
    from zoo.testing import run_record

    (tmp_path / "run.json").write_text(json.dumps(run_record(domain="plain").to_json()))
    from zoo.onnx_export import export_run
    from zoo.errors import UsageError

    with pytest.raises(UsageError, match="the plain domain has no ONNX export"):
        export_run(tmp_path, get_zoo())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
