"""The fixed train/validation/test split.

An example's place is decided by the sha256 of ``seed`` and its input text, not by a random
generator or Python's ``hash``: the split is the same on every Python version and machine,
does not change when rows are reordered, and puts duplicate sentences in the same split (so
a test sentence cannot also be trained on). Examples are ranked by that hash and the ranking
is cut at the fractions, so split sizes are exact.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence

from zoo.errors import UsageError

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS: Mapping[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}

#: Names other tools give the three splits.
SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "validation": "validation", "valid": "validation", "val": "validation", "dev": "validation",
    "test": "test", "testing": "test", "eval": "test",
}


def rank_key(seed: int, key: str) -> bytes:
    return hashlib.sha256(f"{seed}\0{key}".encode("utf-8")).digest()


def assign(keys: Sequence[str], fractions: Mapping[str, float], seed: int) -> list[str]:
    """The split of each key (same order as ``keys``), cut at ``fractions`` of the total.

    Every named split gets at least one example when there are enough, because an empty
    validation or test split would silently disable model selection or the report.
    """
    names = [name for name in SPLITS if fractions.get(name, 0) > 0]
    n = len(keys)
    if n < len(names):
        raise UsageError(f"only {n} usable example(s); at least {len(names)} are needed, "
                         f"one for each of the {', '.join(names)} splits")
    total = sum(fractions[s] for s in names)
    # Rounded half up (not Python's half-to-even), the rule docs/datasets.md states.
    sizes = {name: max(1, math.floor(n * fractions[name] / total + 0.5)) for name in names[1:]}
    sizes[names[0]] = n - sum(sizes.values())
    if sizes[names[0]] < 1:
        raise UsageError(f"only {n} usable example(s): too few to split into {', '.join(names)}")
    order = sorted(range(n), key=lambda i: (rank_key(seed, keys[i]), i))
    out = [""] * n
    start = 0
    for name in names:
        for i in order[start:start + sizes[name]]:
            out[i] = name
        start += sizes[name]
    return out


def check_fractions(fractions: Mapping[str, float], where: str) -> Mapping[str, float]:
    """The catalog's ``splits``, or the default; all three of train, validation and test."""
    if not fractions:
        return DEFAULT_FRACTIONS
    if set(fractions) != set(SPLITS):
        raise UsageError(f"{where}: splits must be train, validation and test fractions, "
                         f"got {', '.join(sorted(fractions))}")
    return fractions


def complete(given: Sequence[str], keys: Sequence[str], seed: int) -> list[str]:
    """Fill in the splits the data does not provide by carving them out of its train rows.

    ``given`` holds each row's own split (from a split column or a DatasetDict); a missing
    validation or test split is taken from train at the default fractions, so data that
    ships only train and test still gets a validation split that is not the test set.
    """
    missing = [s for s in ("validation", "test") if s not in given]
    if not missing:
        return list(given)
    pool = [i for i, s in enumerate(given) if s == "train"]
    if not pool:
        raise UsageError("the data's split column has no train rows to train on")
    fractions = {"train": DEFAULT_FRACTIONS["train"], **{s: DEFAULT_FRACTIONS[s] for s in missing}}
    out = list(given)
    for i, split in zip(pool, assign([keys[i] for i in pool], fractions, seed)):
        out[i] = split
    return out
