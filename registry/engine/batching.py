"""Batches of similar length, the same on every process, cut into per-process shards.

Padding to the batch only pays when a batch's examples are of similar length; sorting the
whole split would make every epoch alike, so examples are shuffled, sorted within large
windows, cut into batches and the batches shuffled again. The order depends only on
(seed, epoch): a resumed run and every process of a distributed run see the same batches.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

#: Batches per sorting window: large enough for tight lengths, small enough to stay random.
WINDOW_BATCHES = 50


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int,
                  world: int = 1) -> list[list[int]]:
    """Indices of each batch of one epoch (global batches, before sharding)."""
    rng = random.Random(seed * 100_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * WINDOW_BATCHES
    batches: list[list[int]] = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    # Every process needs at least one example of every batch, or the processes would
    # disagree on the number of steps.
    return [b for b in batches if len(b) >= world]


def shard(batch: Sequence[int], rank: int, world: int) -> list[int]:
    """This process's share of a global batch."""
    return list(batch[rank::world])


def eval_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Batches for evaluation: sorted by length (order does not matter, speed does)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
