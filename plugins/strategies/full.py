"""Full fine-tuning: every weight of backbone and head trains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoo.components import Domain, Head, Strategy

#: How many times the backbone's learning rate the newly initialised head gets, per domain
#: (1 for the rest): whether a faster head pays depends on the models (docs/engine.md).
HEAD_LR_SCALES = {"text": 10.0}


@dataclass(frozen=True)
class FullConfig:
    """Full fine-tuning has nothing to configure beyond the engine's own options."""


class FullStrategy(Strategy):
    name = "full"
    description = "Fine-tune every weight of the backbone and the head"
    config_class = FullConfig
    lr = 1e-4
    # Early stopping keeps the extra epochs cheap when they stop helping (docs/engine.md).
    epochs = 3
    # On small data 3 epochs are a few dozen steps: stretch them to this many (zoo.engine.budget).
    # 8,454 rows at batch 32 make 795 steps in 3 epochs, so the builtin datasets keep their cost.
    min_steps = 300

    def default_head_lr_scale(self, config: Any, domain: Domain) -> float:
        """The classifier starts from random weights, the backbone from trained ones."""
        return HEAD_LR_SCALES.get(domain.name, 1.0)

    def prepare(self, model: Any, domain: Domain, config: Any, head: Head) -> Any:
        for p in model.parameters():
            p.requires_grad_(True)
        return model
