"""Fine-tune the real all-MiniLM-L6-v2 on a few hundred real movie-review sentences."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine_assets import minilm_dir, reviews_file
from zoo.data import Example

pytestmark = [pytest.mark.network, pytest.mark.slow]


def _reviews(path: Path) -> list[Example]:
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and float(parts[1]) != 0:
            rows.append(Example(parts[2], int(float(parts[1]) > 0)))
    random.Random(0).shuffle(rows)
    return rows


def test_minilm_fine_tuned_beats_the_majority_class(tmp_path):
    from zoo.adapt import adapt_snapshot
    from zoo.catalog import Task
    from zoo.data import TaskData
    from zoo.engine import TrainConfig
    from zoo.snapshot import Snapshot

    rows = _reviews(reviews_file(tmp_path))
    train, val, test = rows[:400], rows[400:500], rows[500:700]
    labels = ("negative", "positive")
    outcome = adapt_snapshot(
        Snapshot.folder(minilm_dir(tmp_path), "minilm-l6"), Task(name="sentiment", labels=labels),
        TaskData(train, val, test, labels, "0" * 64), strategy="full",
        config=TrainConfig(epochs=2, batch_size=16, progress=False, checkpoint_every=0),
        output=tmp_path / "run")
    majority = max(sum(e.label for e in test), sum(1 - e.label for e in test)) / len(test)
    assert outcome.result.test["accuracy"] >= majority + 0.1
