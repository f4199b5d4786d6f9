"""Perturbed copies of the training sentences, for the teacher to label (TinyBERT's task
distillation trains on such an augmented set).

Why: a teacher fine-tuned on the training split has nearly fitted it, so its soft targets there
are close to one-hot and tell the student little the labels do not. On a sentence with a few
words dropped or swapped for others the teacher is less sure, in ways that carry what it
learned; those are the soft targets a student learns most from. Copies keep their original's
label for the hard-label term. Perturbation is on whole words, so it needs no tokenizer, and is
seeded, so every process of a multi-process run (and a resumed run) builds the same copies.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import Any


def perturb(words: Sequence[str], rng: random.Random, rate: float,
            vocabulary: Sequence[str]) -> list[str]:
    """Each word, with probability ``rate``, is dropped or (as often) replaced by a word drawn
    from ``vocabulary`` (the training split's words, so common words come up most); a sentence
    is never emptied."""
    out: list[str] = []
    for word in words:
        draw = rng.random()
        if draw < rate / 2:
            continue
        out.append(rng.choice(vocabulary) if draw < rate else word)
    return out or list(words)


def augment_examples(examples: Sequence[Any], copies: int, rate: float, seed: int) -> list[Any]:
    """``examples`` followed by ``copies`` perturbed copies of each (text inputs only)."""
    if copies < 1:
        return list(examples)
    rng = random.Random(seed)
    vocabulary = [w for e in examples for w in e.input.split()]
    extra = [dataclasses.replace(e, input=" ".join(perturb(e.input.split(), rng, rate, vocabulary)))
             for _ in range(copies) for e in examples]
    return list(examples) + extra
