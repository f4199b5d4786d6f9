"""Helpers for testing zoo plugins: real distributions on disk, without pip.

A plugin is found through its distribution's entry points, so a faithful test needs a real
``*.dist-info`` with ``entry_points.txt``: this writes one (plus the plugin module) into a
directory that the caller puts on ``sys.path`` or ``PYTHONPATH``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path


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
