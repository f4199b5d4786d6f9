"""The distribution: one import package `zoo` (no bare registry/plugins/cli), zoo.toml inside,
the console script, and a wheel that runs `zoo list` on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zoo.testing import build_wheel, write_plugin_project

ROOT = Path(__file__).resolve().parents[2]


FOLDERS = {"registry": "zoo", "plugins": "zoo/plugins", "cli": "zoo/cli"}


def source_modules() -> list[str]:
    """Every module of the three folders, named as it must appear in the wheel."""
    out = []
    for folder, target in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            out.append(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return sorted(out)


def test_pyproject_lists_every_package() -> None:
    """setuptools maps only the packages it is told of; a forgotten one is missing from the
    wheel while the editable install still works, so check the list against the tree."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {f"{target}/{p.parent.relative_to(ROOT / folder).as_posix()}".rstrip("/.").replace("/", ".")
             for folder, target in FOLDERS.items() for p in (ROOT / folder).rglob("__init__.py")}
    assert listed == found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    "-c", str(ROOT / "constraints.txt"), str(ROOT)], check=True, timeout=300)
    (found,) = out.glob("zoo-*.whl")
    return found


@pytest.mark.network
def test_wheel_holds_one_package_and_the_catalog(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"zoo"}
    for module in source_modules():
        assert module in names, f"the wheel lacks {module}"
    assert "zoo/zoo.toml" in names
    assert "zoo/plugins/manifests/bbc-news.sha256" in names
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("zoo/zoo.toml") == (ROOT / "zoo.toml").read_bytes()
        (ep,) = [n for n in names if n.endswith("entry_points.txt")]
        assert "zoo = zoo.cli.main:main" in zf.read(ep).decode()
        assert "[pytest11]\nzoo = zoo.testing.pytest_plugin" in zf.read(ep).decode()


@pytest.mark.network
def test_wheel_runs_zoo_list_on_its_own(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, timeout=300)
    code = ("import zoo, sys; from zoo.cli.main import main; print(zoo.__file__)\n"
            "try:\n    main(['list'])\nexcept SystemExit as e:\n    sys.exit(e.code)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(site)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(str(site))
    assert "minilm-l6" in done.stdout


def test_editable_install_maps_the_folders_onto_zoo() -> None:
    # resolve(): a strict editable install (what `make test` does, for the type checker)
    # imports zoo through a tree of links to the folders' files.
    import zoo
    import zoo.cli
    import zoo.plugins

    assert Path(zoo.__file__).resolve().parent == ROOT / "registry"
    assert Path(zoo.plugins.__file__).resolve().parent == ROOT / "plugins"
    assert Path(zoo.cli.__file__).resolve().parent == ROOT / "cli"
    for bare in ("registry", "plugins", "cli"):
        found = subprocess.run([sys.executable, "-c", f"import {bare}"], capture_output=True,
                               cwd="/", timeout=30)
        assert found.returncode != 0, f"a bare '{bare}' package is importable"


PLUGIN_MODULE = """
import zoo

@zoo.hookimpl
def register_backbones(register):
    register(zoo.Backbone(name="acme-bert", repo="acme/bert-small", architecture="BertModel",
                          params=28763648, license="apache-2.0", description="from a pip package"))
"""


@pytest.mark.network
def test_plugin_built_and_installed_with_pip_shows_in_zoo_list(tmp_path: Path) -> None:
    project = write_plugin_project(tmp_path, "zoo-acme", "0.3.1", module="zoo_acme", code=PLUGIN_MODULE)
    wheel = build_wheel(project, tmp_path / "dist")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    zoo_script = str(Path(sys.executable).parent / "zoo")
    listed = subprocess.run([zoo_script, "list", "acme-*"], capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "acme-bert" in listed.stdout and "28.8M" in listed.stdout
    plugins = subprocess.run([zoo_script, "plugins"], capture_output=True, text=True, env=env, timeout=60)
    assert "zoo-acme" in plugins.stdout and "0.3.1" in plugins.stdout


def test_the_installed_zoo_offers_its_pytest_plugin() -> None:
    """Plugin authors get the kit's fixtures only through this entry point (an editable install
    made before it existed lacks it: run ``pip install -e .`` again)."""
    from importlib.metadata import entry_points

    found = [ep.value for ep in entry_points(group="pytest11") if ep.name == "zoo"]
    assert found == ["zoo.testing.pytest_plugin"], "reinstall zoo (pip install -e .) to get its pytest11 entry point"


def test_version_is_pyprojects() -> None:
    import tomllib

    from click.testing import CliRunner

    import zoo
    from zoo.cli.main import cli

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert zoo.__version__ == declared
    assert CliRunner().invoke(cli, ["--version"]).output == f"zoo, version {declared}\n"
