"""zoo-vision's catalog entries: valid through zoo's own checks, and true to timm."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli.main import cli
from zoo_vision.entries import BACKBONES, DATASETS, TASKS
from zoo_vision.timm_models import count_params, input_config


@pytest.fixture
def vision_zoo(monkeypatch):
    monkeypatch.setenv("ZOO_PLUGINS", "vision")
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    zoo.reset_zoo()
    yield zoo.get_zoo()
    zoo.reset_zoo()


def test_every_entry_registers_through_the_public_hooks(vision_zoo):
    for registry, entries in ((vision_zoo.backbones, BACKBONES), (vision_zoo.datasets, DATASETS),
                              (vision_zoo.tasks, TASKS)):
        for entry in entries:
            assert registry.get(entry.name) == entry.__class__(**{**entry.__dict__, "origin": "plugin vision"})
            assert registry.provider(entry.name) == "vision"
    assert vision_zoo.domains.get("vision").name == "vision"
    assert {"image-folder", "pixel-csv"} <= set(vision_zoo.readers.names())


def test_each_task_names_a_registered_dataset_or_takes_the_users_data(vision_zoo):
    for task in TASKS:
        assert task.domain == "vision"
        if task.dataset:
            assert vision_zoo.datasets.get(task.dataset).domain == "vision"
        else:
            assert not task.labels  # the user's class folders name them


@pytest.mark.parametrize("entry", BACKBONES, ids=lambda e: e.name)
def test_recorded_parameter_counts_match_timm(entry):
    assert entry.params == count_params(entry.architecture)


@pytest.mark.parametrize("entry", BACKBONES, ids=lambda e: e.name)
def test_every_architecture_has_an_input_config(entry):
    config = input_config(entry.architecture)
    assert config.input_size[0] == 3 and len(config.mean) == len(config.std) == 3


def test_hub_entries_name_timm_repos_of_their_own_architecture():
    for entry in BACKBONES:
        if entry.sources[0].type == "hub":
            assert entry.repo == f"timm/{entry.architecture}"


def test_zoo_list_shows_the_vision_domain(vision_zoo):
    result = CliRunner().invoke(cli, ["list", "--domain", "vision"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.splitlines()[1:]}
    assert listed == {e.name for e in BACKBONES}
