"""zoo-vision as a third party ships it: a wheel, installed next to zoo.

Two environments:
- ``installed``: ``zoo install`` puts the wheel into an environment (``venv --without-pip``)
  that reaches zoo, timm and pip through a .pth file adding this environment's site
  directories, so nothing is downloaded; ``zoo plugins`` and ``zoo list`` see it.
- ``fresh``: a new venv where pip installs zoo from this checkout and zoo-vision's wheel with
  every dependency (torch held by constraints.txt; pip may use the registries), and the whole
  user path runs: ``zoo list --domain vision``, ``zoo adapt mobilenetv2 --task digits
  --strategy freeze`` on a small budget, ``zoo predict`` on a PNG file.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

import zoo_vision
from zoo.testing import build_wheel
from zoo_vision.entries import BACKBONES

PROJECT = Path(__file__).resolve().parents[1]
REPOSITORY = PROJECT.parent


def run(python: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env}, cwd=python.parent)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh environment into which ``zoo install`` put zoo-vision's wheel."""
    tmp = tmp_path_factory.mktemp("dist")
    wheel = build_wheel(PROJECT, tmp / "wheels")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "env")],
                   check=True, capture_output=True)
    python = tmp / "env" / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    dirs = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "zz_parent_env.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in dirs) + "\n")
    result = run(python, "-m", "zoo.cli.main", "install", str(wheel), PIP_NO_INDEX="1")
    assert result.returncode == 0, result.stderr
    assert "Successfully installed zoo-vision-" in result.stdout
    return python


def test_the_wheel_is_what_the_fresh_environment_imports(installed):
    where = run(installed, "-c", "import zoo_vision; print(zoo_vision.__file__)").stdout.strip()
    assert Path(where).is_relative_to(installed.parents[1])
    assert not Path(where).is_relative_to(Path(zoo_vision.__file__).parents[1])


def test_zoo_plugins_and_zoo_list_see_the_vision_domain(installed):
    plugins = json.loads(run(installed, "-m", "zoo.cli.main", "plugins", "--json").stdout)
    vision = next(p for p in plugins if p["name"] == "vision")
    assert vision["error"] is None and "register_domains" in vision["hooks"]
    listed = run(installed, "-m", "zoo.cli.main", "list", "--domain", "vision", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {e["name"] for e in json.loads(listed.stdout)} == {e.name for e in BACKBONES}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a new venv holding zoo (from this checkout) and zoo-vision's wheel."""
    tmp = tmp_path_factory.mktemp("fresh")
    wheel = build_wheel(PROJECT, tmp / "wheels")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "env")], check=True, capture_output=True)
    bin_dir = tmp / "env" / "bin"
    # --no-compile: byte-compiling torch and transformers would double the install time.
    done = subprocess.run([str(bin_dir / "pip"), "install", "--no-compile", "-q", "-c",
                           str(REPOSITORY / "constraints.txt"), str(REPOSITORY), str(wheel)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


def zoo_command(bin_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The fresh environment's ``zoo`` script, with its own ZOO_HOME and the shared PyPI cache."""
    import pypi_files

    env = {**os.environ, "ZOO_HOME": str(home), "ZOO_PYPI_DOWNLOADS": str(pypi_files.CACHE)}
    # Bytecode is cached as a user's installs have it (the install skipped compiling).
    for leaky in ("ZOO_PLUGINS", "ZOO_CATALOG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"):
        env.pop(leaky, None)
    return subprocess.run([str(bin_dir / "zoo"), *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=home.parent)


@pytest.mark.network
def test_a_fresh_environment_lists_adapts_and_predicts(fresh, tmp_path):
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    where = subprocess.run([str(fresh / "python"), "-c",
                            "import zoo, zoo_vision, torch; print(zoo.__file__, zoo_vision.__file__, torch.__version__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert all(Path(p).is_relative_to(fresh.parent) for p in where[:2]), where  # not this checkout
    assert where[2].startswith("2.13.0")  # the constraint held torch

    home = tmp_path / "home"
    listed = zoo_command(fresh, home, "list", "--domain", "vision", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {e["name"] for e in json.loads(listed.stdout)} == {e.name for e in BACKBONES}

    run = tmp_path / "run"
    adapted = zoo_command(fresh, home, "adapt", "mobilenetv2", "--task", "digits", "--strategy",
                          "freeze", "--epochs", "2", "--vision-image-size", "32", "--output",
                          str(run), "--no-progress", "--json")
    assert adapted.returncode == 0, adapted.stderr[-3000:]
    assert json.loads(adapted.stdout)["test"]["accuracy"] > 0.3  # ten classes: chance is 0.1
    assert (run / "model.safetensors").is_file() and (run / "run.json").is_file()

    digits = load_digits()
    png = tmp_path / "digit.png"
    Image.fromarray((digits.images[0] * 255 / 16).astype(np.uint8), "L").save(png)
    predicted = zoo_command(fresh, home, "predict", str(run), str(png), "--json")
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    [row] = json.loads(predicted.stdout)
    assert row["input"] == str(png) and row["label"] in {str(d) for d in range(10)}
