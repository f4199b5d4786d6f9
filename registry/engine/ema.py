"""An exponential moving average of the weights, which is what evaluation scores and the run
keeps when ``--ema`` is on.

Fine-tuning a small model on a few thousand examples ends wherever the last batches pushed
it; an average over the last hundred or so steps sits nearer the middle of that walk, so
the result depends less on the seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from zoo.engine.checkpoint import trainable_state


class WeightAverage:
    """fp32 averages of every tensor training changes (``trainable_state``). The decay starts
    low and rises to ``decay`` (``(1 + t) / (10 + t)``, as timm's model EMA warms up), so the
    first steps do not leave the average stuck near the initial weights."""

    def __init__(self, model: Any, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.average = {k: v.float() if v.is_floating_point() else v
                        for k, v in trainable_state(model).items()}

    def update(self, model: Any) -> None:
        import torch

        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        live = model.state_dict()
        averages, values = [], []
        with torch.no_grad():
            for name, avg in self.average.items():
                if avg.is_floating_point():
                    averages.append(avg)
                    values.append(live[name].float())
                else:  # a counter such as batch norm's num_batches_tracked
                    avg.copy_(live[name])
            # One fused pass over every tensor: a step of a 22M-weight model pays little for it.
            torch._foreach_lerp_(averages, values, 1.0 - decay)

    @contextmanager
    def applied(self, model: Any) -> Iterator[None]:
        """The model holds the averages inside the block and its own weights again after."""
        import torch

        live = model.state_dict()
        saved = {name: live[name].detach().clone() for name in self.average}
        with torch.no_grad():
            for name, avg in self.average.items():
                live[name].copy_(avg.to(live[name].dtype))
        try:
            yield
        finally:
            with torch.no_grad():
                for name, value in saved.items():
                    live[name].copy_(value)

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "average": self.average}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.updates = state["updates"]
        self.average = state["average"]
