"""Full fine-tuning: every weight of backbone and head trains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoo.components import Domain, Strategy


@dataclass(frozen=True)
class FullConfig:
    """Full fine-tuning has nothing to configure beyond the engine's own options."""


class FullStrategy(Strategy):
    name = "full"
    description = "Fine-tune every weight of the backbone and the head"
    config_class = FullConfig
    lr = 1e-4

    def prepare(self, model: Any, domain: Domain, config: Any) -> Any:
        for p in model.parameters():
            p.requires_grad_(True)
        return model
