"""The ``zoo`` command group: error handling, ``--debug``, and plugin commands.

A user's mistake (a ``ZooError``) becomes one line on stderr and its exit code (2 for bad
usage or an unknown name, 1 for a failure while working); ``--debug`` or ``ZOO_DEBUG=1``
shows the traceback instead.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from typing import Any

import click

from zoo.errors import ZooError
from zoo.plugin_host import PluginWarning

#: Each builtin command and where it lives, imported only when that command runs (or
#: `zoo --help` lists them): `zoo list` must not pay for the modules of `zoo adapt`.
BUILTIN_COMMANDS = {
    "list": "catalog_cmds:list_cmd",
    "info": "catalog_cmds:info_cmd",
    "plugins": "plugins_cmd:plugins_cmd",
    "pull": "pull_cmd:pull_cmd",
    "cache": "cache_cmd:cache_group",
    "data": "data_cmd:data_cmd",
    "adapt": "adapt_cmd:adapt_cmd",
    "eval": "run_cmds:eval_cmd",
    "predict": "run_cmds:predict_cmd",
    "export": "export_cmd:export_cmd",
    "push": "push_cmd:push_cmd",
    "runs": "runs_cmd:runs_cmd",
    "search": "search_cmd:search_cmd",
    "serve": "serve_cmd:serve_cmd",
    "install": "install_cmd:install_cmd",
    "uninstall": "install_cmd:uninstall_cmd",
}


def _debug_wanted(ctx: click.Context | None) -> bool:
    if os.environ.get("ZOO_DEBUG", "").lower() in ("1", "true", "yes"):
        return True
    while ctx is not None:
        if ctx.params.get("debug"):
            return True
        ctx = ctx.parent
    return False


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    if issubclass(category, PluginWarning):
        click.echo(f"zoo: warning: {message}", err=True)
    else:
        _default_showwarning(message, category, *args, **kwargs)


_default_showwarning = warnings.showwarning


class _WarningLines(logging.Handler):
    """zoo's logged warnings (bad rows left out, labels that look wrong) as one line each on
    stderr, the way plugin warnings print; click.echo finds the stderr of the moment."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"zoo: warning: {record.getMessage()}", err=True)


def _show_logged_warnings() -> None:
    logger = logging.getLogger("zoo")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


class ZooGroup(click.Group):
    """A click group that turns zoo's errors into one line and an exit code, and that asks the
    plugins for their commands (``register_commands``) the first time it lists or resolves one."""

    _from_plugins: tuple[Any, dict[str, click.Command]] | None = None

    def plugin_commands(self) -> dict[str, click.Command]:
        from zoo import get_zoo

        zoo = get_zoo()
        if self._from_plugins is None or self._from_plugins[0] is not zoo:
            holder = click.Group()
            zoo.host.call_each("register_commands", lambda plugin: {"cli": holder})
            added = {n: c for n, c in holder.commands.items()
                     if n not in self.commands and n not in BUILTIN_COMMANDS}
            self._from_plugins = (zoo, added)
        return self._from_plugins[1]

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            extra = self.plugin_commands()
        except ZooError as exc:  # `zoo --help` must work even with a broken catalog
            click.echo(f"zoo: warning: {exc}", err=True)
            extra = {}
        return sorted({*self.commands, *BUILTIN_COMMANDS, *extra})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in BUILTIN_COMMANDS and name not in self.commands:
            module, attr = BUILTIN_COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attr), name)
        return self.commands.get(name) or self.plugin_commands().get(name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZooError as exc:
            if _debug_wanted(ctx) or _debug_wanted(click.get_current_context(silent=True)):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=ZooGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zoo", prog_name="zoo")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """zoo: pretrained backbones, tasks and datasets, adapted to your problem.

    \b
    Browse:  zoo list, zoo info NAME, zoo plugins
    Plugins: zoo install PACKAGE, zoo uninstall PACKAGE
    Examples:
      zoo list --domain text
      zoo info minilm-l6 --json
    """
    _show_logged_warnings()


def main(argv: list[str] | None = None) -> None:
    """The console script: plugin warnings print as one line each."""
    warnings.showwarning = _show_warning
    cli.main(args=argv, prog_name="zoo")


if __name__ == "__main__":  # pragma: no cover
    main()
