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

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from zoo.errors import UsageError, ZooError

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


def _named(package: str) -> str | None:
    """The normalised distribution an argument names: a requirement (``Torch[cuda]>=2``) or a
    wheel file's name; None for a folder, archive or URL, whose name only a build can tell."""
    try:
        return canonicalize_name(Requirement(package).name)
    except InvalidRequirement:
        pass
    if package.endswith(".whl"):
        try:
            return parse_wheel_filename(Path(package).name)[0]
        except InvalidWheelFilename:
            return None
    return None


def install(packages: Sequence[str], upgrade: bool = False, editable: bool = False) -> PipRun:
    """``pip install`` the packages into zoo's environment, never changing torch's version.

    A requirement naming a held distribution is refused before pip runs; what a folder or URL
    turns out to be (or to need) is held by the constraint."""
    _check_names(packages)
    held = held_versions()
    for package in packages:
        name = _named(package)
        if name in held:
            raise UsageError(f"zoo install will not change {package!r}: zoo holds {name} at "
                             f"{held[name]} (use pip directly if you really mean to)")
    with tempfile.TemporaryDirectory(prefix="zoo-install-") as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text(constraints_text(held), encoding="utf-8")
        args = ["install", "-c", str(constraints)]
        if upgrade:
            args.append("--upgrade")
        for package in packages:
            args.extend(["-e", package] if editable else [package])
        return run_pip(args)


def uninstall(packages: Sequence[str]) -> PipRun:
    """``pip uninstall -y`` the packages; zoo and torch are refused, however they are spelled
    (``TORCH>=0``, ``torch[cuda]``, ``torch==2.13.0+cpu`` all name torch)."""
    _check_names(packages)
    for package in packages:
        try:
            name = canonicalize_name(Requirement(package).name)
        except InvalidRequirement:
            raise UsageError(f"{package!r} is not a distribution name; zoo uninstall takes names "
                             "as `pip list` shows them") from None
        if name in PROTECTED:
            raise UsageError(f"zoo uninstall will not remove {package!r}: zoo needs {name} "
                             "(use pip directly if you really mean to)")
    return run_pip(["uninstall", "-y", *packages])


def run_pip(args: Sequence[str]) -> PipRun:
    """Run pip in this interpreter; a failure raises with pip's own last error line, or for
    a resolution conflict (the user's to settle, exit 2) with the requirements in conflict."""
    command = (sys.executable, "-m", "pip", *args)
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        conflict = conflict_lines(output)
        if conflict:
            raise UsageError(f"pip {args[0]} failed: {first_error(output)}: {'; '.join(conflict)}; "
                             "install versions that agree (torch stays at the installed one)")
        raise ZooError(f"pip {args[0]} failed: {last_error(output)}")
    return PipRun(tuple(args), output)


def conflict_lines(output: str) -> list[str]:
    """The requirements pip's resolver found in conflict: the lines under "The conflict is
    caused by:" (``ResolutionImpossible`` alone says nothing of which)."""
    lines = output.splitlines()
    try:
        start = next(i for i, line in enumerate(lines)
                     if line.strip() == "The conflict is caused by:") + 1
    except StopIteration:
        return []
    found = []
    for line in lines[start:]:
        if not line.startswith((" ", "\t")) or not line.strip():
            break
        found.append(line.strip())
    return found


def first_error(output: str) -> str:
    """pip's first ``ERROR:`` line (for a conflict: which install it could not do)."""
    for line in output.splitlines():
        if line.strip().startswith("ERROR:"):
            return line.strip().removeprefix("ERROR:").strip().rstrip(".")
    return "conflicting requirements"


def last_error(output: str) -> str:
    """The line that says why pip failed: its last ``ERROR:`` line, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[-1].removeprefix("ERROR:").strip()
    return lines[-1] if lines else "no output"
