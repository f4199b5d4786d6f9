"""Freeze: train the head on a frozen backbone, or freeze only its first N layers.

With the whole backbone frozen its outputs never change, so the engine computes them once
and the head trains on that cache (see ``caches_features``). What the head reads through
inside the backbone (the domain's ``head_modules``: BERT's pooler) trains with the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from zoo.capabilities import FeatureCache, LayerAccess
from zoo.components import Domain, Head, Strategy
from zoo.errors import UsageError


@dataclass(frozen=True)
class FreezeConfig:
    layers: int = field(default=-1, metadata={
        "help": "Freeze the embeddings and the first N layers (0: embeddings only); "
                "-1 freezes the whole backbone and trains the head on cached features."})

    def __post_init__(self) -> None:
        if self.layers < -1:
            raise UsageError(f"--freeze-layers must be -1 (all) or at least 0, not {self.layers}")


class FreezeStrategy(Strategy):
    name = "freeze"
    description = "Freeze the backbone (or its first N layers) and train the rest"
    config_class = FreezeConfig
    lr = 2e-3
    min_steps = 300  # as full's: small data stretches the epochs (zoo.engine.budget)

    def default_lr(self, config: FreezeConfig) -> float:
        """A head alone on frozen features wants a far larger step than a partly-frozen model."""
        return self.lr if config.layers == -1 else 1e-4

    def default_epochs(self, config: FreezeConfig) -> int:
        """On cached features an epoch costs a few percent of the first: afford many."""
        return 10 if config.layers == -1 else 1

    def requires(self, config: FreezeConfig) -> tuple[type, ...]:
        return (LayerAccess, FeatureCache) if config.layers == -1 else (LayerAccess,)

    def caches_features(self, config: FreezeConfig) -> bool:
        return config.layers == -1

    def fixed_modules(self, model: Any, domain: Domain, config: FreezeConfig) -> list[Any]:
        parts = cast(LayerAccess, domain)  # what requires() asked of it
        if config.layers == -1:
            return [parts.backbone_module(model)]
        return list(parts.backbone_layers(model)[:config.layers + 1])

    def prepare(self, model: Any, domain: Domain, config: FreezeConfig, head: Head) -> Any:
        parts = cast(LayerAccess, domain)
        for p in model.parameters():
            p.requires_grad_(True)
        if config.layers == -1:
            for p in parts.backbone_module(model).parameters():
                p.requires_grad_(False)
            for module in parts.head_modules(model).values():
                module.requires_grad_(True)
            return model
        blocks = parts.backbone_layers(model)
        if config.layers > len(blocks) - 1:
            raise UsageError(f"--freeze-layers {config.layers}: the backbone has only "
                             f"{len(blocks) - 1} layers; use -1 to freeze all of it")
        for block in blocks[:config.layers + 1]:
            for p in block.parameters():
                p.requires_grad_(False)
        return model
