"""Tiny teachers built from configs, so distillation tests run in milliseconds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
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


WORDS = ["good", "great", "fine", "fun", "bad", "awful", "dull", "poor", "the", "a", "movie",
         "film", "plot", "was", "very", "quite", "acting", "story", "and", "not"]


@dataclass(frozen=True)
class Example:
    input: Any
    label: Any


def sentiment_snapshot(path: Path, layers: int = 4) -> Path:
    """A tiny BERT backbone with a word-level tokenizer, saved like a Hub snapshot."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(str(path))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=layers,
                        num_attention_heads=2, intermediate_size=37, max_position_embeddings=64,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(path))
    return path


def sentiment(n: int, seed: int) -> list[Example]:
    """Label 1 when the sentence's sentiment words are positive ones."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.random() < 0.5
        words = rng.choices(WORDS[:4] if label else WORDS[4:8], k=rng.randint(1, 3))
        words += rng.choices(WORDS[8:], k=rng.randint(1, 6))
        rng.shuffle(words)
        out.append(Example(" ".join(words), int(label)))
    return out


def tagging(n: int, seed: int) -> list[Example]:
    """Words tagged 1 (positive), 2 (negative) or 0 (other)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choices(WORDS, k=rng.randint(2, 8))
        out.append(Example(words, tuple(1 if w in WORDS[:4] else 2 if w in WORDS[4:8] else 0
                                        for w in words)))
    return out


def engine_run(snapshot: Path, output: Path, strategy: str, options: dict | None = None,
               head: str = "classification", **config: Any) -> Any:
    """``adapt_snapshot`` on the tiny snapshot and tiny data (sentiment, or word tags for the
    token head), test-sized."""
    from zoo.adapt import adapt_snapshot
    from zoo.catalog import Task
    from zoo.data import TaskData
    from zoo.engine import TrainConfig
    from zoo.snapshot import Snapshot

    make, labels = ((tagging, ("other", "positive", "negative")) if head == "token-classification"
                    else (sentiment, ("negative", "positive")))
    data = TaskData(make(160, 1), make(40, 2), make(40, 3), labels, "0" * 64, name="tiny")
    settings = {**dict(epochs=2, batch_size=16, lr=2e-3, progress=False, bf16=False,
                       checkpoint_every=0), **config}
    return adapt_snapshot(Snapshot.folder(snapshot, "tiny-bert", repo="local/tiny", revision="r0"),
                          Task(name="tiny", head=head, labels=labels), data,
                          strategy=strategy, strategy_options=options or {},
                          config=TrainConfig(**settings), output=output)
