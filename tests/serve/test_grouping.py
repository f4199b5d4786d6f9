"""Which inputs of a batch share a forward pass: split only where padding costs more than a pass."""

from __future__ import annotations

from zoo.serve.grouping import length_groups


def test_similar_lengths_share_one_pass():
    assert length_groups([7, 7, 3, 7]) == [[2, 0, 1, 3]]
    assert length_groups([5] * 32) == [list(range(32))]


def test_a_long_input_does_not_pad_many_short_ones():
    lengths = [8] * 16 + [120] * 4
    assert length_groups(lengths) == [list(range(16)), list(range(16, 20))]


def test_every_input_in_exactly_one_group_shortest_first():
    lengths = [40, 3, 17, 90, 3, 64, 12, 128, 5, 33]
    groups = length_groups(lengths, overhead=8)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    longest = [max(lengths[i] for i in g) for g in groups]
    assert longest == sorted(longest) and len(groups) > 1
