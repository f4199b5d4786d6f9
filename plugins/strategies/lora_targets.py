"""Which layers LoRA adapts when ``--lora-targets`` names none, per architecture.

transformers models are looked up by ``model_type`` (as peft's own target mapping is): every
linear layer of each block, the attention projections and the feed-forward pair, which closes
most of the gap to full fine-tuning that query and value alone leave (docs/engine.md). Other
models are read structurally: their attention projections, else their linear layers, else (a
pure CNN) the pointwise convolutions inside their blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.errors import UsageError

_BERT_LIKE = ["query", "key", "value", "output.dense", "intermediate.dense"]

#: By transformers ``model_type``; ``output.dense`` matches both the attention output and the
#: block output projections.
DEFAULT_TARGETS: dict[str, list[str]] = {
    "bert": _BERT_LIKE,
    "roberta": _BERT_LIKE,
    "xlm-roberta": _BERT_LIKE,
    "electra": _BERT_LIKE,
    "camembert": _BERT_LIKE,
    "distilbert": ["q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"],
    "mpnet": ["q", "k", "v", "o", "intermediate.dense", "output.dense"],
    "deberta-v2": ["query_proj", "key_proj", "value_proj", "output.dense", "intermediate.dense"],
    "deberta": ["in_proj", "output.dense", "intermediate.dense"],
    "albert": ["query", "key", "value", "attention.dense", "ffn", "ffn_output"],
}

#: Attention projections tried, in order, for an architecture not listed above (timm's ViTs
#: fuse them as ``qkv``).
ATTENTION_NAMES = (["qkv"], ["query", "value"], ["q_proj", "v_proj"], ["q_lin", "v_lin"],
                   ["q", "v"])

#: Where a CNN's blocks sit, by the names timm and torchvision give them.
BLOCK_PREFIXES = ("blocks.", "stages.", "layer")


def _inside(name: str, module_names: Sequence[str]) -> bool:
    """Whether module ``name`` is (or is inside) one of ``module_names``, matched by whole
    components as peft's ``modules_to_save`` is (``pooler`` matches ``bert.pooler.dense``)."""
    return any(f".{m}." in f".{name}." for m in module_names)


def default_targets(model: Any, trained_whole: Sequence[str]) -> list[str]:
    """Module names LoRA adapts in ``model`` by default; nothing inside ``trained_whole`` (the
    head, which trains and is saved whole) is a target."""
    import torch

    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if isinstance(model_type, str) and model_type in DEFAULT_TARGETS:
        return list(DEFAULT_TARGETS[model_type])
    linear: set[str] = set()
    pointwise: set[str] = set()
    for name, module in model.named_modules():
        if not name or _inside(name, trained_whole):
            continue
        leaf = name.rsplit(".", 1)[-1]
        if isinstance(module, torch.nn.Linear):
            linear.add(leaf)
        elif (isinstance(module, torch.nn.Conv2d) and module.kernel_size == (1, 1)
              and module.groups == 1 and name.startswith(BLOCK_PREFIXES)):
            pointwise.add(leaf)
    for names in ATTENTION_NAMES:
        if set(names) <= linear:
            return list(names)
    targets = sorted(linear or pointwise)
    if not targets:
        raise UsageError(f"no default LoRA targets for {type(model).__name__} (model type "
                         f"{model_type!r}); name them with --lora-targets")
    return targets
