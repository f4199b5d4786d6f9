"""A fresh virtual environment next to zoo, and tiny real distributions to install into it.

The environment is created with ``python -m venv --without-pip`` and sees this environment's
packages (zoo, pluggy, torch, pip itself, ...) through a .pth file that adds them as site
directories, so installing a plugin there takes seconds and downloads nothing; what pip
installs or removes stays inside it (pip does not uninstall outside its own prefix). No pip of
its own: ensurepip would also bring an old setuptools that shadows the one torch requires.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from zoo.testing import build_wheel, write_plugin_project


@dataclass(frozen=True)
class Venv:
    root: Path
    python: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.python), *args], capture_output=True, text=True,
                              env={**os.environ, **(env or {})}, timeout=300)

    def zoo(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "zoo.cli.main", *args, env=env)

    def version(self, dist: str) -> str:
        result = self.run("-c", f"import importlib.metadata as m; print(m.version({dist!r}))")
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, capture_output=True)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    # addsitedir (unlike a bare path line) also runs the .pth files there: zoo's editable finder.
    Path(purelib, "zz_zoo_test_env.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in ours) + "\n")
    return Venv(root, python)


PLUGIN_CODE = '''
    """A tiny zoo plugin, built and installed by the tests."""
    from zoo import Task, hookimpl


    @hookimpl
    def register_tasks(register):
        register(Task(name="hello-task", labels=("a", "b"), description="installed by a test"))
    '''


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels: a plugin needing torch>=2.0, one needing torch<2.0, and a stand-in torch 1.0.

    The stand-in is what an unheld pip would happily install to satisfy ``torch<2.0``.
    """
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheels")
    return {
        "hello": build_wheel(write_plugin_project(src, "zoo-hello", "1.0", ["torch>=2.0"], "zoo_hello",
                                           PLUGIN_CODE), out),
        "old-torch": build_wheel(write_plugin_project(src, "zoo-old-torch", "1.0", ["torch<2.0"]), out),
        "torch": build_wheel(write_plugin_project(src, "torch", "1.0.0", []), out),
    }
