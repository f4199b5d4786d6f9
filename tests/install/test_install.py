"""``zoo install`` / ``zoo uninstall`` against real wheels in a fresh environment, offline."""

from __future__ import annotations

import pytest

from zoo import installer
from zoo.errors import UsageError, ZooError


@pytest.fixture
def offline(wheels):
    """pip may look only at the test's wheels: no index, nothing downloaded."""
    folder = wheels["hello"].parent
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(folder), "PIP_EXTRA_INDEX_URL": ""}


def test_install_then_uninstall_a_plugin(fresh_venv, wheels, offline):
    torch_before = fresh_venv.version("torch")
    installed = fresh_venv.zoo("install", str(wheels["hello"]), env=offline)
    assert installed.returncode == 0, installed.stderr
    assert "Successfully installed zoo-hello-1.0" in installed.stdout
    assert "zoo-hello" in installed.stdout.split("Successfully")[1] and "ok" in installed.stdout
    assert fresh_venv.version("torch") == torch_before
    listed = fresh_venv.zoo("list", "--kind", "tasks")
    assert "hello-task" in listed.stdout

    removed = fresh_venv.zoo("uninstall", "zoo-hello", env=offline)
    assert removed.returncode == 0, removed.stderr
    assert "Successfully uninstalled zoo-hello-1.0" in removed.stdout
    assert "zoo-hello" not in fresh_venv.zoo("plugins").stdout
    assert "hello-task" not in fresh_venv.zoo("list", "--kind", "tasks").stdout


def test_a_plugin_that_wants_another_torch_is_refused_and_torch_stays(fresh_venv, wheels, offline):
    # The stand-in torch 1.0.0 is on offer: without the hold, pip would install it.
    torch_before = fresh_venv.version("torch")
    result = fresh_venv.zoo("install", str(wheels["old-torch"]), env=offline)
    assert result.returncode == 2
    announced, error = result.stderr.strip().splitlines()  # "pip install ...", then one line
    assert announced.startswith("pip install ") and "Traceback" not in result.stderr
    # The conflict's own lines, not only pip's "ResolutionImpossible".
    assert error.startswith("Error: pip install failed: Cannot install zoo-old-torch==1.0 because ")
    assert "zoo-old-torch 1.0 depends on torch<2.0; " in error
    assert "(constraint) torch" in error and "ResolutionImpossible" not in error
    assert fresh_venv.version("torch") == torch_before
    assert "zoo-old-torch" not in fresh_venv.run("-m", "pip", "list").stdout


@pytest.mark.parametrize("spelling", ["torch==2.13.0+cpu", "torch[cuda]", "TORCH>=0", "Zoo"])
def test_uninstall_refuses_zoo_and_torch_however_they_are_spelled(fresh_venv, offline, spelling):
    # In the fresh environment, a pip that did run could not remove torch (outside its prefix)
    # and would exit 0: the refusal is zoo's, before pip.
    torch_before = fresh_venv.version("torch")
    result = fresh_venv.zoo("uninstall", spelling, env=offline)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"Error: zoo uninstall will not remove {spelling!r}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert fresh_venv.version("torch") == torch_before


@pytest.mark.parametrize("spelling", ["torch==2.14", "Torch[cuda]>=2", "torch", "TORCH-WHEEL"])
def test_install_refuses_a_requirement_naming_torch(fresh_venv, wheels, offline, spelling):
    spelling = str(wheels["torch"]) if spelling == "TORCH-WHEEL" else spelling
    torch_before = fresh_venv.version("torch")
    result = fresh_venv.zoo("install", spelling, env=offline)
    assert result.returncode == 2, result.stdout + result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Error: zoo install will not change {spelling!r}: zoo holds torch at ")
    assert "Traceback" not in result.stderr and "Successfully" not in result.stdout
    assert fresh_venv.version("torch") == torch_before


@pytest.mark.parametrize("argument, name", [
    ("./zoo-vision", None), ("zoo-vision", "zoo-vision"), ("Zoo_Vision[extra]>=1", "zoo-vision"),
    ("https://example.org/zoo_vision-1.0.tar.gz", None),
    ("dist/zoo_vision-1.0-py3-none-any.whl", "zoo-vision"),
])
def test_install_arguments_name_a_distribution_only_when_they_can(argument, name):
    assert installer._named(argument) == name


def test_uninstalling_what_is_not_there_says_so(fresh_venv, offline):
    result = fresh_venv.zoo("uninstall", "zoo-never-installed", env=offline)
    assert result.returncode == 0
    assert "WARNING: Skipping zoo-never-installed as it is not installed." in result.stdout


def test_the_hold_pins_the_installed_torch_exactly():
    from importlib import metadata

    assert installer.constraints_text(installer.held_versions()) == f"torch=={metadata.version('torch')}\n"


@pytest.mark.parametrize("call, packages, message", [
    (installer.install, [], "at least one package"),
    (installer.install, ["--index-url=http://x"], "looks like a pip option"),
    (installer.uninstall, ["zoo"], "will not remove 'zoo'"),
    (installer.uninstall, ["Torch"], "will not remove 'Torch'"),
    (installer.uninstall, ["./zoo-vision"], "not a distribution name"),
])
def test_bad_requests_are_usage_errors(call, packages, message):
    with pytest.raises(UsageError, match=message):
        call(packages)


def test_pip_failure_is_reported_with_its_last_error_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(ZooError, match="pip install failed: No matching distribution found for zoo-absent"):
        installer.install(["zoo-absent"])
