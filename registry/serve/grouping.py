"""Which inputs of a collected batch share a forward pass.

A batch is padded to its longest input, so one long text among short ones makes every short
one cost as much as it. The batch's inputs are sorted by length and cut into consecutive
groups where that is cheaper than the padding: a forward pass is taken to cost a fixed
``overhead`` plus its padded tokens, and the cheapest cut is found exactly (dynamic
programming over the sorted lengths). Equal lengths always stay in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

#: A forward pass's fixed cost, in padded tokens: what splitting a batch must save to pay.
OVERHEAD = 32


def length_groups(lengths: Sequence[int], overhead: int = OVERHEAD) -> list[list[int]]:
    """The inputs' indices in groups, one forward pass each, shortest inputs first."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    sorted_lengths = [lengths[i] for i in order]
    n = len(order)
    best = [0] + [0] * n  # best[j]: the cheapest cost of the first j sorted inputs
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        longest = sorted_lengths[j - 1]
        best[j], cut[j] = min((best[i] + overhead + (j - i) * longest, i) for i in range(j))
    groups: list[list[int]] = []
    j = n
    while j > 0:
        groups.append(order[cut[j]:j])
        j = cut[j]
    return groups[::-1]
