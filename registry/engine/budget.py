"""The training budget when the user gives no ``--epochs``: the strategy's epochs, stretched to
a floor of optimizer steps when the data is small.

A few epochs over a few hundred rows are a few dozen steps, far too few for fine-tuning to
settle (Mosbach et al. 2021, Zhang et al. 2021: on small data, train for more updates and let
validation choose). With the data at the size of the builtin datasets the strategy's epochs
already make more steps than the floor, and nothing changes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

#: A stretched budget's patience spans at least this share of its epochs, so that early
#: stopping on a small (noisy) validation split does not end a run a few steps in.
PATIENCE_SHARE = 0.2


@dataclass(frozen=True)
class Budget:
    """What a run trains for and why; run.json records it under ``budget``."""

    epochs: int
    patience: int
    steps: int
    min_steps: int
    reason: str

    def record(self) -> dict[str, Any]:
        return asdict(self)


def step_budget(rows: int, batch_size: int, epochs: int, min_steps: int,
                patience: int) -> Budget:
    """``epochs`` passes over ``rows`` training rows, or as many more as reach ``min_steps``
    optimizer steps; a stretched budget's ``patience`` (0: never stop early) grows with it."""
    per_epoch = max(1, math.ceil(rows / batch_size))
    steps = per_epoch * epochs
    if not epochs and not min_steps:
        return Budget(0, patience, 0, 0, "no engine epochs: the strategy trains the model in "
                                         "a stage of its own (--epochs N trains on from there)")
    if steps >= min_steps:
        return Budget(epochs, patience, steps, min_steps,
                      f"{epochs} epochs of {per_epoch} steps ({rows} rows, batch size "
                      f"{batch_size}) reach the floor of {min_steps} steps")
    stretched = math.ceil(min_steps / per_epoch)
    longer = max(patience, math.ceil(stretched * PATIENCE_SHARE)) if patience else 0
    reason = (f"{rows} rows make {per_epoch} steps per epoch at batch size {batch_size}: "
              f"{stretched} epochs reach the floor of {min_steps} steps")
    if longer:
        reason += f", stopping early after {longer} epochs without a better validation metric"
    return Budget(stretched, longer, stretched * per_epoch, min_steps, reason)
