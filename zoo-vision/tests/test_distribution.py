"""zoo-vision as a third party ships it: a wheel, installed by ``zoo install`` into a fresh
environment next to zoo, where ``zoo plugins`` and ``zoo list --domain vision`` see it.

The fresh environment (``venv --without-pip``) reaches zoo, timm and pip through a .pth file
that adds this environment's site directories, so nothing is downloaded; zoo-vision itself is
imported from the installed wheel, not from this checkout.
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
from zoo_vision.entries import BACKBONES

PROJECT = Path(__file__).resolve().parents[1]


def run(python: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env}, cwd=python.parent)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh environment into which ``zoo install`` put zoo-vision's wheel."""
    tmp = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp / "wheels"), str(PROJECT)], check=True, capture_output=True)
    wheel = next((tmp / "wheels").glob("zoo_vision-*.whl"))
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
