"""The training loop: accelerate, AdamW with warmup, clipping, per-epoch evaluation, the best
checkpoint kept, early stopping, periodic checkpoints and resume.

It is domain-, head- and strategy-agnostic: the domain encodes and collates, the head owns
loss and metrics, the strategy decided what trains before the model got here. The same code
runs as one process or under ``accelerate launch`` / ``torchrun``: each global batch is split
across processes, so the optimizer sees the same examples per step whatever the process count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from zoo.capabilities import FeatureCache, HiddenStates, require
from zoo.components import Domain, Head, Objective
from zoo.rows import stack_rows

from zoo.errors import UsageError
from zoo.engine.batching import epoch_batches, eval_batches, shard
from zoo.engine.checkpoint import (BEST, LoopState, apply_checkpoint, load_tensors, load_tree,
                         read_checkpoint, save_checkpoint, save_tensors, save_tree,
                         trainable_state)
from zoo.engine.classes import class_report, has_class_report
from zoo.engine.config import TrainConfig
from zoo.engine.ema import WeightAverage
from zoo.engine.device import mixed_precision, process_state, set_threads, wants_cpu
from zoo.engine.shared import from_main
from zoo.engine.tracking import PROJECT, hyperparameters, parse_trackers, prefixed, prepare_store
from zoo.engine.view import TrainingView

FEATURES = "features.pt"
#: The feature key for ``Example.confidence``, set only when the data gives one.
CONFIDENCE = "confidence"


@dataclass
class TrainResult:
    """What training produced: the best model and the figures run.json and the card report."""

    model: Any
    history: list[dict[str, Any]]
    validation: dict[str, float]
    test: dict[str, float]
    best_epoch: int
    steps: int
    examples: int
    train_seconds: float
    feature_seconds: float
    bf16: bool
    processes: int
    stopped_early: bool
    epoch_seconds: list[float] = field(default_factory=list)
    #: What the strategy's objective reports (metrics.json) and its model card section.
    strategy_report: dict[str, Any] = field(default_factory=dict)
    strategy_card: str = ""
    #: The test split's per-class figures and confusion matrix (single-label heads only).
    test_classes: dict[str, Any] = field(default_factory=dict)
    #: Per optimizer step: step, loss, lr, grad_norm.
    log: list[dict[str, float]] = field(default_factory=list)
    effective_batch_size: int = 0
    #: accelerate's mixed precision ("bf16", "fp16", "no") and the device type it trained on.
    precision: str = "no"
    device: str = "cpu"
    #: Of ``train_seconds``, the time the ``--report-to`` trackers took.
    tracker_seconds: float = 0.0

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.train_seconds if self.train_seconds else 0.0


def _accelerator(config: TrainConfig, logdir: Path) -> Any:
    """The run's accelerator on ``--device``, in the precision that device runs best, with
    the ``--report-to`` trackers logging into ``logdir``."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    # One process may train several times (tests, benchmarks) with different precisions;
    # accelerate keeps its state process-wide, so start each run from a clean one.
    AcceleratorState._reset_state()
    cpu = wants_cpu(config.device)
    device = process_state(config.device).device.type
    trackers = parse_trackers(config.report_to)
    return Accelerator(cpu=cpu, mixed_precision=mixed_precision(device, config.bf16),
                       log_with=list(trackers) or None, project_dir=str(logdir))


def _runner(model: Any, domain: Domain, cached: bool) -> Any:
    """A module mapping a batch to logits, so DDP wraps one forward whatever the path;
    ``hidden=True`` adds the last hidden states (a distillation objective aligns them)."""
    import torch

    class Runner(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, batch: dict[str, Any], hidden: bool = False) -> Any:
            if cached:
                return cast(FeatureCache, domain).head_logits(self.model, batch)
            if hidden:  # a strategy that asks requires HiddenStates
                return cast(HiddenStates, domain).logits_and_hidden(self.model, batch)
            return domain.logits(self.model, batch)

    return Runner()


def _hold_statistics(modules: Sequence[Any]) -> None:
    """Put the running-statistics layers (batch norm) inside ``modules`` back in eval mode
    after the model was set to train: they normalise with, and keep, their loaded statistics."""
    for module in modules:
        for sub in module.modules():
            if getattr(sub, "track_running_stats", False):
                sub.eval()


def _targets(feature: dict[str, Any]) -> dict[str, Any]:
    """What a feature carries to train towards: its label, and its confidence if any."""
    return {k: feature[k] for k in ("label", CONFIDENCE) if k in feature}


class _Engine:
    """One training run; methods share the accelerator, the data and the model."""

    def __init__(self, model: Any, domain: Domain, head: Head, preprocessor: Any,
                 config: TrainConfig, cached: bool, metric: str,
                 objective: Objective | None = None, fixed: Sequence[Any] = (),
                 label_names: Sequence[str] = (), logdir: Path = Path("logs")) -> None:
        self.domain, self.head, self.preprocessor = domain, head, preprocessor
        self.config, self.cached, self.metric = config, cached, metric
        self.acc = _accelerator(config, logdir)
        self.trackers, self.logdir = parse_trackers(config.report_to), logdir
        self.precision = str(self.acc.mixed_precision)
        self.rank, self.world = self.acc.process_index, self.acc.num_processes
        set_threads(config.threads, self.world)
        self.model = model
        self.objective = objective
        self.fixed = fixed
        self.average: WeightAverage | None = None
        self.label_names = tuple(label_names)

    # -- data ----------------------------------------------------------------------------
    def collate(self, features: Sequence[dict[str, Any]],
                training: bool = False) -> tuple[dict[str, Any], Any]:
        """Inputs and labels of a batch; ``training`` batches get the domain's augmentation
        (cached features are the backbone's outputs for unaugmented inputs) and, where the
        data says how sure it is of each label, the head's soft targets. Evaluation always
        scores against the labels themselves."""
        inputs = (cast(FeatureCache, self.domain).collate_features(features) if self.cached
                  else self.domain.collate(self.preprocessor, features, training=training))
        labels = [f["label"] for f in features]
        if training and CONFIDENCE in features[0]:
            return inputs, self.head.soft_label_tensor(labels, [f[CONFIDENCE] for f in features])
        return inputs, self.head.label_tensor(labels)

    def backbone_features(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The frozen backbone's outputs for every example, computed once (sharded)."""
        import torch
        from accelerate.utils import gather_object, send_to_device

        self.model.eval()
        mine: list[tuple[int, dict[str, Any]]] = []
        lengths = [self.domain.length(f) for f in features]
        batches = eval_batches(lengths, self.config.eval_batch_size)
        with torch.no_grad(), self.acc.autocast():
            for batch in batches[self.rank::self.world]:
                inputs = self.on_device(
                    self.domain.collate(self.preprocessor, [features[i] for i in batch]))
                outs = cast(FeatureCache, self.domain).backbone_features(self.model, inputs)
                mine.extend(zip(batch, send_to_device(outs, "cpu")))
        allof = gather_object(mine) if self.world > 1 else mine
        out: list[dict[str, Any]] = [{} for _ in features]
        for i, f in allof:
            out[i] = {**f, **_targets(features[i]), "length": lengths[i]}
        return out

    def logits(self, runner: Any, features: list[dict[str, Any]]) -> Any:
        """Logits for every example, in order; each process computes a share.

        The unwrapped module runs: processes may hold different numbers of batches, and a
        DDP forward would wait for the others at its buffer broadcast."""
        import torch
        from accelerate.utils import gather_object

        runner = self.acc.unwrap_model(runner).to(self.acc.device)  # a teacher may be elsewhere
        runner.eval()
        lengths = [self.length(f) for f in features]
        batches = eval_batches(lengths, self.config.eval_batch_size)
        mine: list[tuple[int, Any]] = []
        with torch.no_grad(), self.acc.autocast():
            for batch in batches[self.rank::self.world]:
                inputs, _ = self.collate([features[i] for i in batch])
                logits = runner(self.on_device(inputs)).float().cpu()
                for j, i in enumerate(batch):
                    mine.append((i, logits[j, :lengths[i]] if logits.ndim == 3 else logits[j]))
        allof = gather_object(mine) if self.world > 1 else mine
        rows: list[Any] = [None] * len(features)
        for i, row in allof:
            rows[i] = row
        return stack_rows(rows)

    def on_device(self, batch: Any) -> Any:
        """A collated batch (or its labels) on the run's device."""
        from accelerate.utils import send_to_device

        return send_to_device(batch, self.acc.device)

    def length(self, feature: dict[str, Any]) -> int:
        return feature["length"] if self.cached else self.domain.length(feature)

    def view(self, workdir: Path, splits: dict[str, list[dict[str, Any]]]) -> TrainingView:
        """The splits as an objective sees them (see :class:`TrainingView`)."""
        def batches(split: str) -> list[list[int]]:
            lengths = [self.length(f) for f in splits[split]]
            return eval_batches(lengths, self.config.eval_batch_size)

        return TrainingView(
            workdir=workdir, sizes={k: len(v) for k, v in splits.items()},
            is_main=self.acc.is_main_process, batches=batches,
            inputs=lambda split, idx: self.on_device(
                self.collate([splits[split][i] for i in idx])[0]),
            labels=lambda split: self.head.label_tensor([f["label"] for f in splits[split]]),
            logits=lambda model, split: self.logits(
                _runner(model, self.domain, self.cached), splits[split]),
            autocast=self.acc.autocast, device=str(self.acc.device))

    def evaluate(self, runner: Any, features: list[dict[str, Any]]) -> dict[str, float]:
        return self.scores(runner, features)[0]

    def scores(self, runner: Any,
               features: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, Any]]:
        """The head's metrics, and the per-class report where the head has one."""
        if not features:
            return {}, {}
        logits = self.logits(runner, features)
        labels = self.head.label_tensor([f["label"] for f in features])
        metrics = {"loss": float(self.head.loss(logits, labels)),
                   **self.head.metrics(logits, labels)}
        classes = (class_report(logits, labels, self.label_names)
                   if self.label_names and has_class_report(self.head) else {})
        return metrics, classes

    def better(self, value: float, best: float | None) -> bool:
        if best is None:
            return True
        return value < best if self.metric in self.head.lower_is_better else value > best

    # -- the loop ------------------------------------------------------------------------
    def run(self, train: list[dict[str, Any]], validation: list[dict[str, Any]],
            test: list[dict[str, Any]], workdir: Path, resume: bool,
            on_step: Callable[[int], None] | None,
            hparams: dict[str, Any] | None = None) -> TrainResult:
        import torch
        from tqdm.auto import tqdm

        from zoo.engine.schedule import head_parameters, linear_schedule, param_groups

        cfg = self.config
        feature_seconds = 0.0
        self.model.to(self.acc.device)  # the feature cache runs before accelerate places it
        if self.cached:
            start = time.perf_counter()
            train, validation, test = self.cached_features(workdir, train, validation, test)
            feature_seconds = time.perf_counter() - start
        assert cfg.epochs is not None and cfg.lr  # train() refuses a config without them
        head_scale = 1.0 if cfg.head_lr_scale is None else cfg.head_lr_scale  # unset: one rate
        lengths = [self.length(f) for f in train]
        step_batch = cfg.effective_batch_size
        per_epoch = len(epoch_batches(lengths, step_batch, cfg.seed, 0, self.world))
        total = per_epoch * cfg.epochs
        if cfg.max_steps:
            total = min(total, cfg.max_steps)
        view = self.view(workdir, {"train": train, "validation": validation, "test": test})
        if self.objective is not None:
            self.objective.setup(view)
        # The fused kernel updates all parameters in one pass: a full step over 22M weights
        # otherwise costs a noticeable share of a CPU step.
        optimizer = torch.optim.AdamW(
            param_groups(self.model, cfg.weight_decay, cfg.lr,
                         head_parameters(self.model, self.domain, head_scale),
                         cfg.lr * head_scale),
            fused=True)
        scheduler = linear_schedule(optimizer, total, cfg.warmup)
        self.average = WeightAverage(self.model, cfg.ema) if cfg.ema else None
        # The main process's checkpoint, sent to every process: on several machines without a
        # shared disk, the others have no copy.
        saved = from_main(self.acc, lambda: read_checkpoint(workdir)) if resume else None
        state = (apply_checkpoint(saved, workdir, self.model, optimizer, scheduler, self.average)
                 if saved is not None else LoopState())
        runner, optimizer = self.acc.prepare(_runner(self.model, self.domain, self.cached), optimizer)
        self.start_trackers(hparams or {})
        bar = tqdm(total=total, initial=state.step, unit="step", dynamic_ncols=True,
                   disable=not (cfg.progress and self.acc.is_main_process), desc="adapt")
        epoch_seconds: list[float] = []
        saved_at = state.step
        while state.epoch < cfg.epochs and not state.stopped_early and state.step < total:
            batches = epoch_batches(lengths, step_batch, cfg.seed, state.epoch, self.world)
            runner.train()
            _hold_statistics(self.fixed)
            epoch_start = time.perf_counter()
            for b in range(state.batch, len(batches)):
                if state.step >= total:
                    break
                tick = time.perf_counter()
                loss, norm = self.step(runner, train, batches[b])
                lr = optimizer.param_groups[0]["lr"]
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                if self.average is not None:
                    self.average.update(self.model)
                state.step += 1
                state.batch = b + 1
                state.epoch_loss += loss
                state.epoch_batches += 1
                state.examples += len(batches[b])
                state.log.append({"step": state.step, "loss": round(loss, 6),
                                  "lr": lr, "grad_norm": round(norm, 6)})
                if self.trackers:
                    self.track(state, {
                        "train/loss": loss, "train/lr": lr, "train/grad_norm": norm,
                        "train/examples_per_second":
                            len(batches[b]) / max(time.perf_counter() - tick, 1e-9)})
                state.train_seconds += time.perf_counter() - tick
                bar.update(1)
                bar.set_postfix(loss=f"{state.epoch_loss / state.epoch_batches:.4f}",
                                ex_s=f"{state.examples / max(state.train_seconds, 1e-9):.0f}")
                if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0:
                    self.checkpoint(workdir, optimizer, scheduler, state)
                    saved_at = state.step
                if on_step is not None:
                    on_step(state.step)
            epoch_seconds.append(time.perf_counter() - epoch_start)
            self.end_epoch(runner, validation, workdir, state)
            # Epochs shorter than --checkpoint-every (small data's stretched budget: hundreds
            # of epochs of a few steps) save at most every that many steps, not at each end.
            if (not cfg.checkpoint_every or len(batches) >= cfg.checkpoint_every
                    or state.step - saved_at >= cfg.checkpoint_every):
                self.checkpoint(workdir, optimizer, scheduler, state)
                saved_at = state.step
        bar.close()
        # Only the main process wrote the best weights; every process ends with them.
        best = workdir / BEST
        weights = from_main(self.acc, lambda: load_tree(best) if best.is_file() else None)
        if weights is not None:
            self.model.load_state_dict(weights, strict=False)
        if state.history:
            val_metrics = state.history[state.best_epoch]["validation"]
        else:  # --epochs 0: the model as the strategy left it (fewshot's fitted head)
            val_metrics = self.scores(runner, validation)[0]
        test_metrics, test_classes = self.scores(runner, test)
        if self.trackers:
            self.track(state, prefixed("test", test_metrics))
            self.acc.end_training()
        report, card = (self.objective.report(view, self.model) if self.objective is not None
                        else ({}, ""))
        return TrainResult(
            model=self.model, history=state.history, validation=val_metrics, test=test_metrics,
            best_epoch=state.best_epoch, steps=state.step, examples=state.examples,
            train_seconds=state.train_seconds, feature_seconds=feature_seconds,
            bf16=self.precision == "bf16", precision=self.precision,
            device=self.acc.device.type,
            processes=self.world, stopped_early=state.stopped_early, epoch_seconds=epoch_seconds,
            strategy_report=report, strategy_card=card, test_classes=test_classes,
            log=state.log, effective_batch_size=cfg.effective_batch_size,
            tracker_seconds=state.tracker_seconds)

    def step(self, runner: Any, train: list[dict[str, Any]],
             batch: list[int]) -> tuple[float, float]:
        """Forward and backward over one optimizer step's examples, ``--grad-accum`` batches
        of ``--batch-size``; each batch's loss is weighted by its share of the step's
        examples, so the gradient is the one the whole step as a batch would give. Returns
        the step's loss and the gradient's norm (before clipping)."""
        size = self.config.batch_size
        parts = [batch[i:i + size] for i in range(0, len(batch), size)]
        if len(parts) > 1 and len(parts[-1]) < self.world:  # every process needs a share
            parts[-2] += parts.pop()
        total = 0.0
        for k, part in enumerate(parts):
            indices = shard(part, self.rank, self.world)
            inputs, labels = self.on_device(self.collate([train[i] for i in indices],
                                                         training=True))
            # Only the last batch's backward synchronises the gradients across processes.
            with self.acc.no_sync(runner) if k < len(parts) - 1 else nullcontext():
                loss = (self.objective.loss(runner, inputs, labels, indices) if self.objective
                        else self.head.loss(runner(inputs), labels))
                weight = len(part) / len(batch)
                self.acc.backward(loss * weight)
            total += float(loss.detach()) * weight
        limit = self.config.max_grad_norm or math.inf
        return total, float(self.acc.clip_grad_norm_(runner.parameters(), limit))

    def end_epoch(self, runner: Any, validation: list[dict[str, Any]], workdir: Path,
                  state: LoopState) -> None:
        """Evaluate, keep the best weights, decide on early stopping, move to the next epoch.
        With ``--ema`` the averaged weights are the ones scored and kept."""
        with self.averaged():
            metrics = self.evaluate(runner, validation)
        train_loss = state.epoch_loss / max(1, state.epoch_batches)
        state.history.append({"epoch": state.epoch + 1, "step": state.step,
                              "train_loss": train_loss, "validation": metrics})
        if self.trackers:
            self.track(state, {**prefixed("validation", metrics), "train/epoch_loss": train_loss,
                               "epoch": state.epoch + 1})
        value = metrics.get(self.metric, -train_loss if not metrics else math.nan)
        if self.better(value, state.best_metric):
            state.best_metric, state.best_epoch, state.bad_epochs = value, state.epoch, 0
            if self.acc.is_main_process:
                with self.averaged():
                    save_tree(trainable_state(self.model), workdir / BEST)
        else:
            state.bad_epochs += 1
            if self.config.patience and state.bad_epochs >= self.config.patience:
                state.stopped_early = True
        state.epoch, state.batch = state.epoch + 1, 0
        state.epoch_loss, state.epoch_batches = 0.0, 0

    def start_trackers(self, hparams: dict[str, Any]) -> None:
        """Open the ``--report-to`` trackers (the main process's) with every hyperparameter."""
        if not self.trackers:
            return
        import dataclasses

        if self.acc.is_main_process:
            self.logdir.mkdir(parents=True, exist_ok=True)
            prepare_store(self.trackers, self.logdir)
        options = {k.replace("_", "-"): v for k, v in dataclasses.asdict(self.config).items()}
        values = {**options, **hparams,
                  "effective_batch_size": self.config.effective_batch_size,
                  "processes": self.world, "device": self.acc.device.type,
                  "mixed_precision": self.precision}
        self.acc.init_trackers(PROJECT, config=hyperparameters(values))

    def track(self, state: LoopState, values: dict[str, float]) -> None:
        """Log ``values`` at the current step, timing what the trackers cost."""
        tick = time.perf_counter()
        self.acc.log(values, step=state.step)
        state.tracker_seconds += time.perf_counter() - tick

    def averaged(self) -> Any:
        """A context in which the model holds its weight average (``--ema``), else nothing."""
        return self.average.applied(self.model) if self.average is not None else nullcontext()

    def checkpoint(self, workdir: Path, optimizer: Any, scheduler: Any, state: LoopState) -> None:
        if self.acc.is_main_process:
            save_checkpoint(workdir, self.model, optimizer, scheduler, state, self.average)
        self.acc.wait_for_everyone()

    def cached_features(self, workdir: Path, *splits: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Every split's backbone features, from the run's cache when a resumed run has one."""
        from accelerate.utils import gather_object

        path = workdir / FEATURES
        here = [path.is_file()]
        # Each machine has its own disk: the cache is used only where every process has it.
        if all(gather_object(here) if self.world > 1 else here):
            return load_tensors(path)
        out = [self.backbone_features(s) if s else [] for s in splits]
        if self.acc.is_main_process:
            save_tensors(out, path)
        self.acc.wait_for_everyone()
        return out


def train(model: Any, *, domain: Domain, head: Head, preprocessor: Any, config: TrainConfig,
          train: Sequence[Any], validation: Sequence[Any], test: Sequence[Any], workdir: Path,
          metric: str | None = None, cache_features: bool = False,
          resume: bool = False, on_step: Callable[[int], None] | None = None,
          objective: Objective | None = None, fixed: Sequence[Any] = (),
          label_names: Sequence[str] = (), logdir: Path | None = None,
          hparams: dict[str, Any] | None = None) -> TrainResult:
    """Train ``model`` (already prepared by its strategy) on examples with ``.input``,
    ``.label`` and optionally ``.confidence`` (see ``Example``); checkpoints and the feature
    cache live in ``workdir``. ``config.epochs`` (0: only evaluate) and ``config.lr`` must be
    set (the adapt glue fills them from the strategy's defaults).

    ``on_step(step)`` is called after every optimizer step (progress reporting; tests use it
    to interrupt a run). ``objective`` replaces the head's loss (a strategy's own).
    ``fixed`` are the modules the strategy froze whole: their batch-norm statistics stay put.
    ``label_names`` name the classes of the test split's per-class report. The
    ``--report-to`` trackers log into ``logdir`` (default: ``workdir/logs``), starting with
    ``hparams`` (what the run was started with) and the engine's options.
    """
    from accelerate.utils import set_seed

    if config.epochs is None or not config.lr:
        raise UsageError("the engine needs epochs and a learning rate: set --epochs and --lr")
    if cache_features:
        require(domain, (FeatureCache,), "training on cached features",
                "train with a strategy that does not freeze the whole backbone")
    set_seed(config.seed)
    engine = _Engine(model, domain, head, preprocessor, config, cache_features,
                     metric or head.default_metric, objective, fixed, label_names,
                     logdir or workdir / "logs")
    if engine.acc.is_main_process:  # the only one that writes there
        workdir.mkdir(parents=True, exist_ok=True)

    def encode(examples: Sequence[Any]) -> list[dict[str, Any]]:
        if not examples:
            return []
        features = domain.encode(preprocessor, [e.input for e in examples],
                                 [e.label for e in examples], head, config.max_length)
        for feature, example in zip(features, examples):
            if getattr(example, "confidence", None) is not None:
                feature[CONFIDENCE] = example.confidence
        return features

    if objective is not None:
        train = objective.training_examples(train, config.seed)
    return engine.run(encode(train), encode(validation), encode(test), workdir, resume, on_step,
                      hparams)
