"""AdamW's parameter groups (the head may step faster), linear warmup then linear decay to zero."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from zoo.capabilities import LayerAccess, require
from zoo.components import Domain


def param_groups(model: Any, weight_decay: float, lr: float,
                 head: Collection[int], head_lr: float) -> list[dict[str, Any]]:
    """Trainable parameters, with no weight decay on biases and normalisation weights; those
    whose ``id`` is in ``head`` step at ``head_lr``, the others at ``lr``."""
    groups: dict[tuple[bool, bool], list[Any]] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            decays = not (p.ndim < 2 or "norm" in name.lower())
            groups.setdefault((id(p) in head, decays), []).append(p)
    # A fixed order, so a resumed run's optimizer state lines up with its groups.
    order = [(False, True), (False, False), (True, True), (True, False)]
    return [{"params": groups[key], "weight_decay": weight_decay if key[1] else 0.0,
             "lr": head_lr if key[0] else lr}
            for key in order if key in groups]


def head_parameters(model: Any, domain: Domain, scale: float) -> set[int]:
    """The ids of the parameters outside the domain's ``backbone_layers``: the task head and
    what it reads through (BERT's pooler). Only looked for when ``scale`` gives them a
    learning rate of their own (it is neither 0, the default, nor 1)."""
    if scale in (0.0, 1.0):
        return set()
    require(domain, (LayerAccess,), f"--head-lr-scale {scale:g}", "leave it at 1")
    layers = cast(LayerAccess, domain).backbone_layers(model)
    body = {id(p) for block in layers for p in block.parameters()}
    return {id(p) for p in model.parameters() if id(p) not in body}


def linear_schedule(optimizer: Any, total_steps: int, warmup: float) -> Any:
    from torch.optim.lr_scheduler import LambdaLR

    warm = int(total_steps * warmup)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total_steps - step) / max(1, total_steps - warm))

    return LambdaLR(optimizer, factor)
