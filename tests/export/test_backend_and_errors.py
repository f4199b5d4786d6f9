"""--backend onnx in a process where torch cannot load; the extra missing; bad input: one line,
exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from export_helpers import adapt, invoke

#: Runs the CLI in a fresh interpreter with the named modules made unimportable
#: (``sys.modules[name] = None`` makes ``import name`` raise ImportError), then reports which
#: of torch / transformers / onnx got loaded anyway.
BLOCKED = """
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None
from zoo.cli.main import main
code = 0
try:
    main({args!r})
except SystemExit as exit:
    code = exit.code or 0
loaded = sorted(m for m in ("torch", "transformers", "onnx", "onnxruntime")
                if sys.modules.get(m) is not None)
print("RESULT=" + json.dumps({{"code": code, "loaded": loaded}}))
"""


def blocked_run(args: list[str], blocked: tuple[str, ...]) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", BLOCKED.format(blocked=blocked, args=args)],
                          capture_output=True, text=True, timeout=300)
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT=")]
    assert result, done.stdout + done.stderr
    return json.loads(result[-1][len("RESULT="):]), done.stdout + done.stderr


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
    result, output = blocked_run(["predict", str(run_dir), sentence, "--backend", "onnx", "--json"],
                                 ("torch", "transformers"))
    assert result == {"code": 0, "loaded": ["onnxruntime"]}, output
    assert json.loads(output[:output.index("RESULT=")])[0]["label"] == torch_labels
    result, output = blocked_run(["eval", str(run_dir), "--data", str(validation),
                                  "--backend", "onnx", "--json"], ("torch", "transformers"))
    assert result == {"code": 0, "loaded": ["onnxruntime"]}, output


@pytest.mark.parametrize("module", ["onnx", "onnxscript", "onnxruntime"])
def test_export_without_the_extra_names_the_install_command(exported, env, module):
    run_dir, validation = exported
    result, output = blocked_run(["export", str(run_dir), "--data", str(validation)], (module,))
    assert result["code"] == 2, output
    assert f"needs the onnx extra, and {module} is not installed: pip install" in output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 2  # + RESULT=


@pytest.mark.parametrize("module", ["onnxruntime", "tokenizers"])
def test_onnx_backend_without_the_extra_names_the_install_command(exported, env, module):
    run_dir, _ = exported
    result, output = blocked_run(["predict", str(run_dir), "good", "--backend", "onnx"], (module,))
    assert result["code"] == 2, output
    assert f"{module} is not installed: pip install" in output and "Traceback" not in output


def test_zoo_list_imports_no_onnx_library():
    result, output = blocked_run(["list"], ())
    assert result == {"code": 0, "loaded": []}, output


@pytest.mark.parametrize("args", [["export"], ["predict", "--backend", "onnx", "text"],
                                  ["eval", "--backend", "onnx"]])
def test_a_directory_that_is_not_a_run_is_one_line_exit_2(tmp_path, args):
    result = invoke(args[0], tmp_path, *args[1:])
    assert result.exit_code == 2, result.output
    assert "not a zoo run directory" in result.output and "Traceback" not in result.output


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
        name = "plain"
        description = "a domain with no ONNX export"

    get_zoo().domains.register(PlainDomain(), "test")
    tmp_path = tmp_path / "run"
    tmp_path.mkdir()
    (tmp_path / "run.json").write_text(json.dumps({"domain": "plain", "head": "classification",
                                                   "task": "classify", "labels": ["a", "b"]}))
    from zoo.onnx_export import export_run
    from zoo.errors import UsageError

    with pytest.raises(UsageError, match="the plain domain has no ONNX export"):
        export_run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
