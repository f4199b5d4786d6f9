"""``zoo install`` and ``zoo uninstall``: plugins into zoo's own environment, then ``zoo plugins``."""

from __future__ import annotations

import subprocess
import sys

import click

from zoo import installer


def _show_plugins() -> None:
    # A fresh interpreter: this one has the old plugin set (and maybe old modules) loaded.
    result = subprocess.run([sys.executable, "-m", "zoo.cli.main", "plugins"],
                            capture_output=True, text=True)
    click.echo(result.stdout, nl=False)
    click.echo(result.stderr, nl=False, err=True)


def _report(run: installer.PipRun) -> None:
    for line in run.summary():
        click.echo(line)
    _show_plugins()


@click.command("install")
@click.argument("packages", nargs=-1, required=True)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade the packages if already installed.")
@click.option("-e", "--editable", is_flag=True, help="Install local project folders in editable mode.")
def install_cmd(packages: tuple[str, ...], upgrade: bool, editable: bool) -> None:
    """Install plugin PACKAGES (names, wheels, folders) with pip, into zoo's own environment.

    The installed torch is held with a constraint, so a plugin cannot replace it.

    \b
    Examples:
      zoo install zoo-vision
      zoo install -e ./zoo-vision
    """
    held = ", ".join(f"{n}=={v}" for n, v in installer.held_versions().items())
    click.echo(f"pip install {' '.join(packages)}" + (f" (holding {held})" if held else ""), err=True)
    _report(installer.install(packages, upgrade=upgrade, editable=editable))


@click.command("uninstall")
@click.argument("packages", nargs=-1, required=True)
def uninstall_cmd(packages: tuple[str, ...]) -> None:
    """Uninstall PACKAGES from zoo's environment (pip uninstall -y); zoo and torch are kept."""
    _report(installer.uninstall(packages))
