"""The torchvision repair: fixes exactly the known failure, leaves everything else alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from zoo_vision import torchvision_guard


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=300)


def test_this_environment_has_the_problem_the_guard_exists_for():
    # If torchvision ever imports cleanly here the repair is idle, and this says so.
    result = run_python("import torchvision")
    if result.returncode == 0:
        pytest.skip("torchvision imports without repair in this environment")
    assert result.stderr.strip().splitlines()[-1] == f"RuntimeError: {torchvision_guard.MISSING_OPERATOR}"


def test_timm_and_transformers_import_once_the_guard_is_armed():
    result = run_python("""
        import sys
        from zoo_vision import torchvision_guard
        torchvision_guard.install()
        assert "torch" not in sys.modules, "arming the repair must not import torch"
        import transformers.image_utils, timm, torch, torchvision
        assert hasattr(torch.ops.torchvision, "nms")
        assert torchvision_guard._finder not in sys.meta_path, "the hook removes itself"
        print(timm.create_model("resnet10t", num_classes=3).eval()(torch.zeros(1, 3, 32, 32)).shape)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "torch.Size([1, 3])"


def test_importing_the_plugin_imports_no_torch():
    result = run_python("""
        import sys, zoo
        zoo.get_zoo()
        import zoo_vision.plugin
        print(sorted(m for m in ("torch", "timm", "torchvision", "PIL", "numpy") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_only_the_exact_error_counts_as_the_known_failure():
    assert torchvision_guard.is_missing_operator_error(
        RuntimeError("operator torchvision::nms does not exist"))
    assert not torchvision_guard.is_missing_operator_error(
        RuntimeError("operator torchvision::roi_align does not exist"))
    assert not torchvision_guard.is_missing_operator_error(
        ImportError("operator torchvision::nms does not exist"))


class _FailingLoader:
    def __init__(self, exc: BaseException) -> None:
        self.exc, self.calls = exc, 0

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        self.calls += 1
        raise self.exc


def test_any_other_import_failure_surfaces_unrepaired():
    inner = _FailingLoader(RuntimeError("CUDA driver too old"))
    loader = torchvision_guard._RepairingLoader(inner)
    with pytest.raises(RuntimeError, match="CUDA driver too old"):
        loader.exec_module(object())
    assert inner.calls == 1
