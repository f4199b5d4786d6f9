"""The parts of the Domain and Strategy contracts that serve domains other than text: the
engine tells training batches from evaluation ones, domain options are validated against the
domain's config, and a strategy that names its domains refuses the others before any work."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from zoo import get_zoo
from zoo.adapt import adapt_snapshot, check_strategy_domain
from zoo.catalog import Task
from zoo.data import TaskData
from zoo.engine import TrainConfig, train
from zoo.errors import UsageError
from zoo.plugins.text.domain import TextDomain
from zoo.snapshot import Snapshot

from engine_tiny import sentiment

FAST = dict(epochs=2, batch_size=16, lr=2e-3, progress=False, bf16=False, checkpoint_every=0)


class RecordingDomain(TextDomain):
    """The text domain, noting the ``training`` flag of every batch it collates."""

    def __init__(self) -> None:
        self.flags: list[bool] = []

    def collate(self, preprocessor, features, training=False):
        self.flags.append(training)
        return super().collate(preprocessor, features, training)


def test_only_the_batches_the_optimizer_learns_from_are_collated_for_training(snapshot, tmp_path):
    zoo = get_zoo()
    domain, head = RecordingDomain(), zoo.heads.get("classification")
    model = domain.build_model(snapshot, head, ["neg", "pos"])
    result = train(model, domain=domain, head=head, preprocessor=domain.load_preprocessor(snapshot),
                   config=TrainConfig(**FAST), train=sentiment(48, 1), validation=sentiment(16, 2),
                   test=sentiment(16, 3), workdir=tmp_path)
    assert domain.flags.count(True) == result.steps == 6  # 48 / 16 per epoch, two epochs
    assert domain.flags.count(False) >= 3  # validation twice, test once


def test_a_domain_without_options_refuses_a_tasks_options(snapshot, tmp_path):
    task = Task(name="tiny", labels=("neg", "pos"), options={"image_size": 64})
    data = TaskData(sentiment(8, 1), [], [], task.labels, "0" * 64)
    with pytest.raises(UsageError, match="the text domain takes no options, got image_size"):
        adapt_snapshot(Snapshot.folder(snapshot, "tiny-bert"), task, data, strategy="full",
                       config=TrainConfig(**FAST), output=tmp_path / "run")


@dataclass(frozen=True)
class SideConfig:
    side: int = 224


def test_domain_options_are_checked_against_the_domains_config():
    domain = TextDomain()
    domain.config_class = SideConfig  # an instance attribute: the registered one is untouched
    assert domain.make_config(side=32) == SideConfig(32)
    assert domain.make_config(side=None) == SideConfig()  # unset keeps the default
    with pytest.raises(UsageError, match="has no option\\(s\\) colour; it takes side"):
        domain.make_config(colour=True)


def test_a_strategy_refuses_a_domain_it_does_not_name():
    zoo = get_zoo()
    distill = zoo.strategies.get("distill")
    config = distill.make_config()
    check_strategy_domain(distill, config, Task(name="sentiment"), zoo.domains.get("text"))
    with pytest.raises(UsageError, match="'distill' works on text tasks only; task 'digits' is vision"):
        check_strategy_domain(distill, config, Task(name="digits", domain="vision"),
                              zoo.domains.get("text"))
