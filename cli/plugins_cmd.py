"""``zoo plugins``: what is installed, its version and the hooks it implements."""

from __future__ import annotations

import click

from zoo import get_zoo

from .output import emit_json, table


@click.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Include zoo's builtin plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def plugins_cmd(show_all: bool, as_json: bool) -> None:
    """List installed plugins (entry-point group 'zoo'); builtins only with --all.

    Set ZOO_PLUGINS=a,b to load only those plugins (empty: none), and
    ZOO_STRICT_PLUGINS=1 to make a broken plugin an error instead of a warning.
    """
    infos = [p for p in get_zoo().plugins if show_all or not p.builtin]
    if as_json:
        emit_json([p.to_dict() for p in infos])
        return
    if not infos:
        click.echo("no plugins installed" + ("" if show_all else " (zoo plugins --all shows the builtins)"))
        return
    table(["NAME", "VERSION", "HOOKS", "STATUS"],
          [[p.name, p.version or ("builtin" if p.builtin else "?"), ", ".join(h.removeprefix("register_") for h in p.hooks) or "-",
            f"failed: {p.error}" if p.error else "ok"] for p in infos])
