"""The builtin tasks and datasets hang together: every dataset a task names exists, and every
reader a dataset names is registered; the generic tasks cover every head kind."""

from __future__ import annotations

import zoo


def test_every_task_dataset_exists_and_its_reader_is_registered() -> None:
    z = zoo.get_zoo()
    for task in z.tasks.list():
        if task.dataset:
            entry = z.datasets.get(task.dataset)
            assert entry.reader in z.readers.names(), (task.name, entry.reader)
            assert set(entry.splits) == {"train", "validation", "test"}


def test_generic_tasks_have_no_dataset_and_cover_every_head() -> None:
    z = zoo.get_zoo()
    generic = {t.head: t.name for t in z.tasks.list() if not t.dataset}
    assert generic == {"classification": "classify", "multilabel": "multilabel",
                       "regression": "regress", "token-classification": "tag"}


def test_bbc_news_pins_each_of_its_2225_files() -> None:
    entry = zoo.get_zoo().datasets.get("bbc-news")
    assert len(entry.files) == 2225 == entry.rows
    assert all(f.sha256 and len(f.sha256) == 64 for f in entry.files)
    assert {f.path.split("/")[0] for f in entry.files} == set(zoo.get_zoo().tasks.get("topic").labels)
    assert zoo.get_zoo().datasets.provider("bbc-news") == "zoo.plugins.datasets"
