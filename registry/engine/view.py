"""What the engine lends a strategy's objective: the encoded splits in model-ready form.

An objective (distillation) needs batches, inputs, labels and a teacher's logits, but must not
know how a domain encodes or collates; the view hands it closures over the engine's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainingView:
    #: The run's work directory, where an objective keeps what a resumed run reuses.
    workdir: Path
    #: Examples per split ("train", "validation", "test").
    sizes: dict[str, int]
    #: Whether this process writes shared files (the others read them).
    is_main: bool
    #: Evaluation batches (example indices, similar lengths together) covering a split.
    batches: Callable[[str], list[list[int]]]
    #: The collated model inputs of some examples of a split.
    inputs: Callable[[str, Sequence[int]], dict[str, Any]]
    #: The labels of a whole split as the head's tensor.
    labels: Callable[[str], Any]
    #: Any model's logits for a whole split, in example order.
    logits: Callable[[Any, str], Any]
    #: The engine's precision context (bf16 autocast where it is on), for an objective that
    #: runs a model of its own: the teacher then runs as fast as the student trains.
    autocast: Callable[[], AbstractContextManager[Any]] = nullcontext
    #: The device the inputs are on: an objective's own model (a teacher) must run there.
    device: str = "cpu"
