"""The teacher's outputs are computed once per example and served every epoch from the cache."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from zoo.plugins.strategies.distill import TeacherCache

from distill_helpers import tiny_teacher


def _dataset(n: int, seed: int = 0) -> list[torch.Tensor]:
    """Examples of different lengths, as token ids without padding."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(1, 100, (int(torch.randint(3, 9, (1,), generator=g)),), generator=g)
            for _ in range(n)]


def _collate(examples: list[torch.Tensor], indices: list[int]) -> dict[str, torch.Tensor]:
    width = max(len(examples[i]) for i in indices)
    ids = torch.zeros(len(indices), width, dtype=torch.long)
    mask = torch.zeros(len(indices), width, dtype=torch.long)
    for row, i in enumerate(indices):
        ids[row, :len(examples[i])] = examples[i]
        mask[row, :len(examples[i])] = 1
    return {"input_ids": ids, "attention_mask": mask}


class Counting(torch.nn.Module):
    """Wraps the teacher and counts, per example index, how often it ran."""

    def __init__(self, teacher: torch.nn.Module) -> None:
        super().__init__()
        self.teacher = teacher
        self.examples = 0

    def forward(self, **inputs: torch.Tensor) -> object:
        self.examples += len(inputs["input_ids"])
        return self.teacher(**inputs)


def _batches(n: int, size: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i:i + size] for i in range(0, n, size)]


def test_teacher_runs_once_per_example_over_several_epochs() -> None:
    examples = _dataset(20)
    counting = Counting(tiny_teacher()).eval()
    cache = TeacherCache.compute(counting, len(examples), _batches(20, 8, 0),
                                 lambda idx: _collate(examples, list(idx)))
    assert counting.examples == 20
    for epoch in range(3):
        for batch in _batches(20, 6, epoch + 1):
            got = cache.batch(batch).logits
            with torch.no_grad():
                fresh = counting.teacher(**_collate(examples, batch)).logits
            assert torch.allclose(got, fresh, atol=1e-5)
    assert counting.examples == 20  # the epochs only read the cache


def test_cache_runs_the_teacher_without_dropout_and_restores_its_mode() -> None:
    examples = _dataset(6)
    teacher = tiny_teacher()
    teacher.config.hidden_dropout_prob = 0.5
    teacher.train()
    cache = TeacherCache.compute(teacher, 6, [list(range(6))], lambda idx: _collate(examples, list(idx)))
    again = TeacherCache.compute(teacher, 6, [[5, 4, 3], [2, 1, 0]], lambda idx: _collate(examples, list(idx)))
    assert teacher.training
    assert torch.allclose(cache.batch(range(6)).logits, again.batch(range(6)).logits, atol=1e-5)


def test_hidden_states_are_cached_per_real_token_and_padded_per_batch() -> None:
    examples = _dataset(5)
    teacher = tiny_teacher()
    cache = TeacherCache.compute(teacher, 5, [[0, 1, 2, 3, 4]],
                                 lambda idx: _collate(examples, list(idx)), hidden=True)
    assert [h.shape[0] for h in cache.hidden] == [len(e) for e in examples]
    batch = [3, 1]
    inputs = _collate(examples, batch)
    got = cache.batch(batch, width=inputs["input_ids"].shape[1]).hidden
    with torch.no_grad():
        want = teacher(**inputs, output_hidden_states=True).hidden_states[-1]
    real = inputs["attention_mask"].bool()
    assert got.shape == want.shape
    assert torch.allclose(got[real].float(), want[real], atol=1e-2)
    assert not got[~real].any()


def test_batches_that_miss_an_example_are_refused() -> None:
    examples = _dataset(4)
    with pytest.raises(ValueError, match="left 1 examples out"):
        TeacherCache.compute(tiny_teacher(), 4, [[0, 1, 2]], lambda idx: _collate(examples, list(idx)))


def test_cache_survives_save_and_load(tmp_path: Path) -> None:
    examples = _dataset(4)
    cache = TeacherCache.compute(tiny_teacher(), 4, [[0, 1], [2, 3]],
                                 lambda idx: _collate(examples, list(idx)), hidden=True)
    path = tmp_path / "teacher.pt"
    cache.save(path)
    loaded = TeacherCache.load(path)
    assert not (tmp_path / "teacher.pt.tmp").exists()
    assert torch.equal(loaded.batch([2, 0]).logits, cache.batch([2, 0]).logits)
    assert torch.equal(loaded.batch([1]).hidden, cache.batch([1]).hidden)
