"""The teacher's outputs for every training example, computed once and reused every epoch.

The teacher is frozen, so what it says about an example never changes: running it again each
epoch would double the cost of training for nothing. Outputs are kept per example (keyed by
the example's index in the training split) so that any batching of any epoch can gather them,
trimmed to the example's real length so that a batch pads them to its own longest input.
Inputs are assumed padded on the right, as the BERT-family tokenizers distill supports do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class TeacherBatch:
    """The cached teacher outputs for one batch, padded to ``width`` tokens where per-token."""

    logits: Any
    hidden: Any = None


def _pad_stack(rows: Sequence[Any], width: int | None) -> Any:
    """Stack per-example rows; per-token rows (2-D) are right-padded with zeros to ``width``."""
    import torch

    if rows[0].ndim == 1:
        return torch.stack(list(rows))
    width = width or max(r.shape[0] for r in rows)
    out = rows[0].new_zeros(len(rows), width, rows[0].shape[-1])
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r[:width]
    return out


class TeacherCache:
    """Teacher logits (and last hidden states when the cosine loss needs them) per example."""

    def __init__(self, logits: list[Any], hidden: list[Any] | None = None) -> None:
        self.logits = logits
        self.hidden = hidden

    def __len__(self) -> int:
        return len(self.logits)

    @classmethod
    def compute(cls, teacher: Any, size: int, batches: Sequence[Sequence[int]],
                inputs_for: Callable[[Sequence[int]], dict[str, Any]],
                hidden: bool = False,
                precision: Callable[[], AbstractContextManager[Any]] = nullcontext,
                ) -> "TeacherCache":
        """Run ``teacher`` once over the ``size`` examples, batch by batch (``batches`` must
        cover every index once); ``inputs_for(indices)`` collates those examples' inputs.
        ``precision`` is the engine's autocast, under which the teacher runs (bf16 labels a
        split a few times faster than fp32 where the CPU has it)."""
        import torch

        logits: list[Any] = [None] * size
        states: list[Any] | None = [None] * size if hidden else None
        was_training = teacher.training
        teacher.eval()  # soft targets without dropout noise
        try:
            with torch.inference_mode(), precision():
                for batch in batches:
                    inputs = inputs_for(batch)
                    out = teacher(**inputs, output_hidden_states=hidden)
                    lengths = (inputs["attention_mask"].sum(-1).tolist()
                               if "attention_mask" in inputs else None)
                    for j, i in enumerate(batch):
                        length = int(lengths[j]) if lengths else out.logits.shape[1]
                        row = out.logits[j].float().cpu()
                        logits[i] = row[:length] if row.ndim == 2 else row
                        if states is not None:
                            # half precision halves the cache; cosine needs no more
                            states[i] = out.hidden_states[-1][j, :length].half().cpu()
        finally:
            teacher.train(was_training)
        missing = [i for i, row in enumerate(logits) if row is None]
        if missing:
            raise ValueError(f"teacher batches left {len(missing)} examples out, e.g. {missing[0]}")
        return cls(logits, states)

    def batch(self, indices: Sequence[int], width: int | None = None) -> TeacherBatch:
        """The cached outputs of these examples, in order, padded to ``width`` tokens."""
        logits = _pad_stack([self.logits[i] for i in indices], width)
        hidden = (_pad_stack([self.hidden[i] for i in indices], width)
                  if self.hidden is not None else None)
        return TeacherBatch(logits=logits, hidden=hidden)

    def save(self, path: Path) -> None:
        """Write atomically, so an interrupted run resumes without rerunning the teacher."""
        from zoo.engine.checkpoint import save_tensors

        save_tensors({"logits": self.logits, "hidden": self.hidden}, path)

    @classmethod
    def load(cls, path: Path) -> "TeacherCache":
        """Read back with nothing unpickled; a file zoo did not write is refused with one line."""
        from zoo.engine.checkpoint import load_tensors

        data = load_tensors(path)
        return cls(data["logits"], data["hidden"])
