"""``zoo install`` / ``zoo uninstall``: pip, run in zoo's own interpreter, with torch held.

A plugin lands where zoo will find it only if pip runs in zoo's interpreter, hence
``sys.executable -m pip``. A plugin that asks for ``torch`` (or a looser ``torch>=2``) must
never make pip replace the installed build, which on a CPU machine would pull several GB of
CUDA wheels or break every compiled extension, so every install runs under a constraint that
pins the torch version installed now. Uninstalling zoo or torch is refused for the same reason.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import UsageError, ZooError

#: Distributions whose versions an install must not change.
HELD = ("torch",)
#: Distributions ``zoo uninstall`` refuses to remove: zoo cannot work without them.
PROTECTED = ("zoo", "torch")


@dataclass(frozen=True)
class PipRun:
    """What pip was asked and what it said, for the command to summarise."""

    args: tuple[str, ...]
    output: str

    def summary(self) -> list[str]:
        """pip's result lines: what it installed or removed, skipped, or found already there."""
        lines = [line.strip() for line in self.output.splitlines()]
        return [line for line in lines
                if line.startswith(("Successfully", "WARNING: Skipping"))
                or (line.startswith("Requirement already satisfied:") and "(from " not in line)]


def held_versions() -> dict[str, str]:
    """The installed version of each held distribution (those not installed are not held)."""
    held = {}
    for name in HELD:
        try:
            held[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return held


def constraints_text(held: dict[str, str]) -> str:
    return "".join(f"{name}=={version}\n" for name, version in sorted(held.items()))


def _check_names(packages: Sequence[str]) -> None:
    if not packages:
        raise UsageError("name at least one package")
    options = [p for p in packages if p.startswith("-")]
    if options:
        raise UsageError(f"{options[0]!r} looks like a pip option; zoo install takes package "
                         "names, paths and URLs (use --upgrade / --editable for those options)")


def install(packages: Sequence[str], upgrade: bool = False, editable: bool = False) -> PipRun:
    """``pip install`` the packages into zoo's environment, never changing torch's version."""
    _check_names(packages)
    with tempfile.TemporaryDirectory(prefix="zoo-install-") as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text(constraints_text(held_versions()), encoding="utf-8")
        args = ["install", "-c", str(constraints)]
        if upgrade:
            args.append("--upgrade")
        for package in packages:
            args.extend(["-e", package] if editable else [package])
        return run_pip(args)


def uninstall(packages: Sequence[str]) -> PipRun:
    """``pip uninstall -y`` the packages; zoo and torch are refused."""
    _check_names(packages)
    refused = [p for p in packages if _canonical(p) in PROTECTED]
    if refused:
        raise UsageError(f"zoo uninstall will not remove {refused[0]!r}: zoo needs it "
                         "(use pip directly if you really mean to)")
    return run_pip(["uninstall", "-y", *packages])


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def run_pip(args: Sequence[str]) -> PipRun:
    """Run pip in this interpreter; a failure raises with pip's own last error line."""
    command = (sys.executable, "-m", "pip", *args)
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise ZooError(f"pip {args[0]} failed: {last_error(output)}")
    return PipRun(tuple(args), output)


def last_error(output: str) -> str:
    """The line that says why pip failed: its last ``ERROR:`` line, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[-1].removeprefix("ERROR:").strip()
    return lines[-1] if lines else "no output"
