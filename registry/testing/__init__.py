"""Helpers for testing zoo plugins: real distributions on disk, without pip.

A plugin is found through its distribution's entry points, so a faithful test needs a real
``*.dist-info`` with ``entry_points.txt``: this writes one (plus the plugin module) into a
directory that the caller puts on ``sys.path`` or ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoo.rundir.record import RunRecord


def write_plugin_distribution(root: Path, name: str, code: str, *, version: str = "1.0",
                              entry_point: str | None = None) -> Path:
    """Write distribution ``name`` whose module ``<name>`` (dashes to underscores) holds ``code``.

    Its entry point in group ``zoo`` is called ``entry_point`` (default: ``name``). Returns ``root``.
    """
    module = name.replace("-", "_")
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = root / f"{module}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[zoo]\n{entry_point or name} = {module}\n", encoding="utf-8")
    return root


def write_plugin_project(root: Path, name: str, version: str = "1.0", requires: Sequence[str] = (),
                         module: str | None = None, code: str = "") -> Path:
    """A minimal setuptools project ``root/name``; with ``module``, that module holds ``code``
    and is the distribution's entry point in group ``zoo``, under the distribution's name."""
    project = root / name
    project.mkdir(parents=True)
    entry = f'\n[project.entry-points.zoo]\n{name} = "{module}"\n' if module else ""
    modules = f'py-modules = ["{module}"]' if module else "py-modules = []"
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "{version}"
        dependencies = {list(requires)!r}
        """) + entry + f"\n[tool.setuptools]\n{modules}\n")
    if module:
        (project / f"{module}.py").write_text(textwrap.dedent(code))
    return project


def build_wheel(project: Path, out: Path) -> Path:
    """A real wheel of ``project``, built by pip with this environment's setuptools (offline)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(project)], check=True, capture_output=True)
    name = project.name.replace("-", "_")
    return next(out.glob(f"{name}-*.whl"))


@dataclass(frozen=True)
class BlockedRun:
    """What :func:`run_cli_blocking` saw: the exit code, which watched modules loaded anyway,
    what the command printed on stdout, and its stderr."""

    code: int
    loaded: list[str]
    stdout: str
    stderr: str


_BLOCKING = """
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None
from zoo.cli.main import main
code = 0
try:
    main({args!r})
except SystemExit as exit:
    code = exit.code or 0
loaded = sorted(m for m in {watched!r} if sys.modules.get(m) is not None)
print("\\nRESULT=" + json.dumps({{"code": code, "loaded": loaded}}))
"""


def run_cli_blocking(args: Sequence[str], blocked: Sequence[str],
                     watched: Sequence[str] = ("torch", "transformers", "onnxruntime")) -> BlockedRun:
    """``zoo ARGS`` in a fresh interpreter where ``blocked`` cannot be imported
    (``sys.modules[name] = None`` makes the import raise), to show a command needs none of them."""
    code = _BLOCKING.format(blocked=tuple(blocked), args=list(args), watched=tuple(watched))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    if "RESULT=" not in done.stdout:
        raise AssertionError(f"the command died before reporting: {done.stdout}{done.stderr}")
    printed, result = done.stdout.rsplit("\nRESULT=", 1)
    outcome = json.loads(result)
    return BlockedRun(outcome["code"], outcome["loaded"], printed, done.stderr)


def local_backbone_toml(name: str, folder: Path, files: Sequence[str], *, domain: str = "text",
                        architecture: str = "BertModel", license: str = "apache-2.0") -> str:
    """zoo.toml text naming the model in ``folder`` as backbone ``name``, served by the
    ``local`` source: a test's own catalog entry for a tiny model it built."""
    listed = ", ".join(f'"{file}"' for file in files)
    return (f'\n[backbones.{name}]\nrepo = "local/{name}"\ndomain = "{domain}"\n'
            f'architecture = "{architecture}"\nlicense = "{license}"\nfiles = [{listed}]\n\n'
            f'[[backbones.{name}.sources]]\ntype = "local"\npath = "{folder}"\n')


@contextmanager
def offline_zoo(root: Path, catalog: Path, **env: str) -> Iterator[Path]:
    """An offline zoo under ``root`` with ``catalog`` as its user catalog (plus ``env``, e.g.
    ``ZOO_PLUGINS``), for fixtures wider than one test; rebuilt on entry and on exit."""
    import pytest

    from zoo.app import reset_zoo

    patch = pytest.MonkeyPatch()
    for var, value in {"ZOO_HOME": root / "home", "HF_HOME": root / "hf", "ZOO_CATALOG": catalog,
                       "ZOO_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
                       "XDG_CACHE_HOME": root / "cache", **env}.items():
        patch.setenv(var, str(value))
    reset_zoo()
    try:
        yield root
    finally:
        patch.undo()
        reset_zoo()


def run_record(**fields: Any) -> RunRecord:
    """A complete run record with placeholder values (a tiny text classifier), ``fields``
    replacing any of them: for tests of what reads runs, without training one."""
    from zoo.rundir.record import RunRecord

    base: dict[str, Any] = dict(
        entry="tiny", repo="zoo-testing/tiny", revision="0" * 40, license="apache-2.0",
        files={}, task="classify", head="classification", domain="text", labels=("a", "b"),
        metric="accuracy", data={"name": "data.csv", "sha256": "0" * 64}, strategy="full",
        strategy_config={}, domain_config={}, train_config={"max_length": 128}, seed=0,
        format="transformers", loading_code="")
    return RunRecord(**{**base, **fields})
