"""Interrupted runs: nothing that looks finished is left, and --resume ends where an
uninterrupted run ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_helpers import run
from engine_tiny import sentiment
from zoo.engine.checkpoint import BEST, CHECKPOINT
from zoo.engine.loop import FEATURES

LABELS = ("negative", "positive")


class Interrupt(Exception):
    pass


def _stop_at(step: int):
    def on_step(now: int) -> None:
        if now == step:
            raise Interrupt()
    return on_step


@pytest.mark.parametrize("strategy, ema", [("full", 0.0), ("freeze", 0.0), ("full", 0.9)])
def test_resume_after_interruption_gives_the_same_metrics(tmp_path, strategy, ema):
    """With ``--ema`` the checkpoint must bring the weight average back too."""
    from zoo.adapt import adapt_snapshot
    from zoo.catalog import Task
    from zoo.data import TaskData
    from zoo.engine import TrainConfig
    from zoo.snapshot import Snapshot

    from engine_helpers import FAST
    from engine_tiny import make_snapshot

    # With dropout on, equal results also prove the random state is restored.
    snapshot = make_snapshot(tmp_path / "snapshot", dropout=0.1)
    whole = run(snapshot, tmp_path / "whole", sentiment, "classification", LABELS, strategy,
                checkpoint_every=4, patience=0, ema=ema)
    data = TaskData(sentiment(240, 1), sentiment(60, 2), sentiment(60, 3), LABELS, "0" * 64)
    task = Task(name="tiny", head="classification", labels=LABELS)
    kwargs = dict(strategy=strategy, output=tmp_path / "cut",
                  config=TrainConfig(**{**FAST, "checkpoint_every": 4, "patience": 0, "ema": ema}))
    with pytest.raises(Interrupt):
        # Step 22 is mid-epoch 2 and two steps past the last checkpoint (step 20).
        adapt_snapshot(Snapshot.folder(snapshot, "tiny"), task, data, on_step=_stop_at(22), **kwargs)
    assert not (tmp_path / "cut").exists()
    assert (tmp_path / ".cut.partial" / "work" / CHECKPOINT).is_file()
    resumed = adapt_snapshot(Snapshot.folder(snapshot, "tiny"), task, data, resume=True, **kwargs)
    assert resumed.result.steps == whole.result.steps
    assert resumed.result.test == pytest.approx(whole.result.test, abs=1e-6)
    for mine, theirs in zip(resumed.result.history, whole.result.history, strict=True):
        assert mine["validation"] == pytest.approx(theirs["validation"], abs=1e-6)
    assert not (tmp_path / ".cut.partial").exists()


def test_short_epochs_checkpoint_every_n_steps_not_at_each_end(tmp_path, snapshot):
    """A stretched budget runs hundreds of epochs of a few steps; a checkpoint (the model and
    its optimizer state) at each of their ends would cost more than the steps themselves."""
    from zoo.adapt import adapt_snapshot
    from zoo.snapshot import Snapshot
    from zoo.catalog import Task
    from zoo.data import TaskData
    from zoo.engine import TrainConfig
    from zoo.engine.checkpoint import load_tree

    from engine_helpers import FAST

    # 48 rows at batch 16: 3 steps per epoch, a checkpoint due every 4 steps.
    data = TaskData(sentiment(48, 1), sentiment(16, 2), sentiment(16, 3), LABELS, "0" * 64)
    task = Task(name="tiny", head="classification", labels=LABELS)
    config = TrainConfig(**{**FAST, "epochs": 4, "checkpoint_every": 4, "patience": 0})
    kwargs = dict(strategy="full", output=tmp_path / "cut", config=config)
    with pytest.raises(Interrupt):
        adapt_snapshot(Snapshot.folder(snapshot, "tiny"), task, data, on_step=_stop_at(7), **kwargs)
    saved = load_tree(tmp_path / ".cut.partial" / "work" / CHECKPOINT)
    assert saved["state"]["step"] == 4  # not 6, the end of epoch 2
    whole = adapt_snapshot(Snapshot.folder(snapshot, "tiny"), task, data, config=config,
                           strategy="full", output=tmp_path / "whole")
    resumed = adapt_snapshot(Snapshot.folder(snapshot, "tiny"), task, data, resume=True, **kwargs)
    assert resumed.result.steps == whole.result.steps == 12
    assert resumed.result.test == pytest.approx(whole.result.test, abs=1e-6)


def test_existing_output_or_partial_run_is_refused(snapshot, tmp_path):
    from zoo.errors import UsageError

    run(snapshot, tmp_path / "done", sentiment, "classification", LABELS, epochs=1)
    with pytest.raises(UsageError, match="already exists"):
        run(snapshot, tmp_path / "done", sentiment, "classification", LABELS, epochs=1)
    with pytest.raises(UsageError, match="nothing to resume"):
        run(snapshot, tmp_path / "none", sentiment, "classification", LABELS, epochs=1, resume=True)


def test_kept_weights_carry_the_batch_norm_statistics_frozen_layers_update():
    """Checkpoints and the best epoch's weights hold every tensor training changes: batch
    norm's running statistics move in training mode even where its parameters are frozen."""
    import torch

    from zoo.engine.checkpoint import trainable_state

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    model[1].requires_grad_(False)
    model(torch.randn(8, 3))
    state = trainable_state(model)
    assert set(state) == {"0.weight", "0.bias", "1.running_mean", "1.running_var",
                          "1.num_batches_tracked"}
    assert torch.equal(state["1.running_mean"], model[1].running_mean)


class _Planted:
    """Unpickling this creates ``marker``: code someone planted in a run directory."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("strategy, planted, refused", [
    ("full", "checkpoint.pt", False),  # what checkpoints were called when they were pickles
    ("full", CHECKPOINT, True),
    ("freeze", FEATURES, True),  # freeze caches the backbone's features in the work directory
])
def test_resume_runs_nothing_planted_in_the_run_directory(snapshot, tmp_path, strategy, planted,
                                                          refused):
    import torch

    from zoo.errors import UsageError

    marker, out = tmp_path / "marker", tmp_path / "cut"
    with pytest.raises(Interrupt):
        run(snapshot, out, sentiment, "classification", LABELS, strategy, checkpoint_every=4,
            on_step=_stop_at(6))
    torch.save({"model": _Planted(marker)}, tmp_path / ".cut.partial" / "work" / planted)
    if refused:
        with pytest.raises(UsageError, match=f"cannot read .*{planted}") as caught:
            run(snapshot, out, sentiment, "classification", LABELS, strategy, resume=True)
        assert "\n" not in str(caught.value)
    else:
        run(snapshot, out, sentiment, "classification", LABELS, strategy, resume=True)
        assert (out / "run.json").is_file()
    assert not marker.exists()


def test_the_best_weights_are_read_back_without_unpickling(tmp_path):
    """The best epoch's weights go through the same reader as checkpoints."""
    import torch

    from zoo.engine.checkpoint import load_tree, save_tree
    from zoo.errors import UsageError

    weights = {"w": torch.randn(2, 3), "steps": torch.tensor(7)}
    save_tree(weights, tmp_path / BEST)
    assert all(torch.equal(v, weights[k]) for k, v in load_tree(tmp_path / BEST).items())
    marker = tmp_path / "marker"
    torch.save({"w": _Planted(marker)}, tmp_path / BEST)
    with pytest.raises(UsageError, match="cannot read"):
        load_tree(tmp_path / BEST)
    assert not marker.exists()


def test_a_run_failing_before_its_first_checkpoint_leaves_nothing_to_resume(snapshot, tmp_path):
    """Checkpoints only at epoch ends: stopped at step 3, it has written none."""
    with pytest.raises(Interrupt):
        run(snapshot, tmp_path / "cut", sentiment, "classification", LABELS, checkpoint_every=0,
            on_step=_stop_at(3))
    assert not (tmp_path / ".cut.partial").exists()
    # The next run starts over without being told to --resume.
    assert run(snapshot, tmp_path / "cut", sentiment, "classification", LABELS,
               epochs=1).result.steps == 15


def test_a_run_whose_model_cannot_be_built_leaves_nothing_behind(snapshot, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(snapshot, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(Exception):  # however the domain reports unreadable weights
        run(broken, tmp_path / "out", sentiment, "classification", LABELS, epochs=1)
    assert not (tmp_path / ".out.partial").exists()
    assert run(snapshot, tmp_path / "out", sentiment, "classification", LABELS,
               epochs=1).result.steps == 15


def test_resume_refuses_a_partial_run_that_does_not_say_how_it_was_started(tmp_path):
    from zoo.errors import UsageError
    from zoo.rundir import RunStaging

    staging = RunStaging(tmp_path / "run")
    staging.workdir.mkdir(parents=True)  # as zoo before it recorded settings left one
    with pytest.raises(UsageError, match="does not say how the run was started"):
        staging.check(True, {"seed": 0})
    staging.prepare({"seed": 0})
    staging.check(True, {"seed": 0})
    with pytest.raises(UsageError, match="used seed 0, this one seed 1"):
        staging.check(True, {"seed": 1})
