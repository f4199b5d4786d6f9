"""AdamW with linear warmup then linear decay to zero."""

from __future__ import annotations

from typing import Any


def param_groups(model: Any, weight_decay: float) -> list[dict[str, Any]]:
    """Trainable parameters, with no weight decay on biases and normalisation weights."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "norm" in name.lower() else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]


def linear_schedule(optimizer: Any, total_steps: int, warmup: float) -> Any:
    from torch.optim.lr_scheduler import LambdaLR

    warm = int(total_steps * warmup)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total_steps - step) / max(1, total_steps - warm))

    return LambdaLR(optimizer, factor)
