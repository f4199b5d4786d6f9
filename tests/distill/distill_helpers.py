"""Tiny teachers built from configs, so distillation tests run in milliseconds."""

from __future__ import annotations

from typing import Any


def tiny_bert_config(layers: int = 4, labels: int = 3) -> Any:
    from transformers import BertConfig

    return BertConfig(hidden_size=32, num_hidden_layers=layers, num_attention_heads=2,
                      intermediate_size=37, vocab_size=100, max_position_embeddings=64,
                      num_labels=labels)


def tiny_teacher(layers: int = 4, labels: int = 3, seed: int = 0) -> Any:
    """A randomly initialised BertForSequenceClassification (weights distinct per layer)."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(seed)
    return BertForSequenceClassification(tiny_bert_config(layers, labels)).eval()


def random_inputs(batch: int, length: int, seed: int = 0) -> dict[str, Any]:
    import torch

    g = torch.Generator().manual_seed(seed)
    return {"input_ids": torch.randint(1, 100, (batch, length), generator=g),
            "attention_mask": torch.ones(batch, length, dtype=torch.long)}
