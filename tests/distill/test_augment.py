"""Perturbed copies for the teacher to label: seeded, label-keeping, never empty."""

from __future__ import annotations

import random

import pytest

from zoo.data import Example
from zoo.errors import UsageError
from zoo.plugins.strategies.distill import DistillConfig
from zoo.plugins.strategies.distill.augment import augment_examples, perturb

EXAMPLES = [Example(f"a film number {i} that was {'good' if i % 2 else 'dull'} overall", i % 2)
            for i in range(50)]


def test_copies_follow_the_originals_and_keep_their_labels() -> None:
    out = augment_examples(EXAMPLES, 2, 0.3, seed=0)
    assert out[:50] == EXAMPLES and len(out) == 150
    assert [e.label for e in out[50:100]] == [e.label for e in EXAMPLES]
    assert [e.label for e in out[100:]] == [e.label for e in EXAMPLES]
    changed = sum(c.input != e.input for c, e in zip(out[50:100], EXAMPLES))
    assert changed > 40  # 9 words at rate 0.3: a copy is left whole 4% of the time
    assert out[50:100] != out[100:]  # the two copies of a sentence differ


def test_same_seed_same_copies_other_seed_others() -> None:
    assert augment_examples(EXAMPLES, 1, 0.2, seed=3) == augment_examples(EXAMPLES, 1, 0.2, seed=3)
    assert augment_examples(EXAMPLES, 1, 0.2, seed=3) != augment_examples(EXAMPLES, 1, 0.2, seed=4)


def test_no_copies_is_the_data_alone() -> None:
    assert augment_examples(EXAMPLES, 0, 0.1, seed=0) == EXAMPLES


def test_perturb_drops_and_swaps_at_the_rate_and_never_empties() -> None:
    rng = random.Random(0)
    words = ["w"] * 20000
    out = perturb(words, rng, 0.2, ["x"])
    dropped, swapped = 20000 - len(out), out.count("x")
    assert dropped / 20000 == pytest.approx(0.1, abs=0.01)
    assert swapped / 20000 == pytest.approx(0.1, abs=0.01)
    assert all(perturb(["one"], random.Random(s), 0.99, ["x"]) for s in range(200))


@pytest.mark.parametrize("options, message", [
    ({"augment": -2}, "--distill-augment must be -1"),
    ({"augment_rate": 0.0}, "--distill-augment-rate must be in"),
    ({"augment_rate": 1.0}, "--distill-augment-rate must be in"),
])
def test_config_rejects_bad_augmentation(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        DistillConfig(**options)


def test_automatic_copies_for_sentence_tasks_none_for_token_tasks() -> None:
    assert DistillConfig().copies("single") == 2 and DistillConfig().copies("token") == 0
    assert DistillConfig(augment=0).copies("single") == 0
    assert DistillConfig(augment=3).copies("multi") == 3
