"""A tiny BERT snapshot and tiny labelled data, built in milliseconds, for engine tests."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

from zoo.data import Example
from zoo.testing import local_backbone_toml

WORDS = ["good", "great", "fine", "fun", "bad", "awful", "dull", "poor", "the", "a", "movie",
         "film", "plot", "was", "very", "quite", "acting", "story", "and", "not"]
POSITIVE, NEGATIVE = WORDS[:4], WORDS[4:8]
FILLER = WORDS[8:]
#: The files of :func:`make_snapshot` that a catalog entry lists by default.
SNAPSHOT_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def catalog_entry(folder: Path, files: Sequence[str] = SNAPSHOT_FILES) -> str:
    """zoo.toml text naming the snapshot in ``folder`` as backbone ``tiny-bert`` (a local source)."""
    return local_backbone_toml("tiny-bert", folder, files)


def make_snapshot(path: Path, *, dropout: float = 0.1, seed: int = 0) -> Path:
    """A 2-layer, hidden-32 BERT with a word-level vocabulary, saved like a Hub snapshot."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    tokenizer.save_pretrained(str(path))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=37, max_position_embeddings=64,
                        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(path))
    return path


def make_deberta_snapshot(path: Path, seed: int = 0) -> Path:
    """A 2-layer, hidden-32 DeBERTa-v2 with the same vocabulary: a family whose classification
    model puts a layer of its own (a context ``pooler``) between the backbone and the logits."""
    import torch
    from transformers import BertTokenizerFast, DebertaV2Config, DebertaV2Model

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)},
                      do_lower_case=True).save_pretrained(str(path))
    config = DebertaV2Config(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                             num_attention_heads=2, intermediate_size=37,
                             max_position_embeddings=64, hidden_dropout_prob=0.0,
                             attention_probs_dropout_prob=0.0, pooler_dropout=0.0)
    torch.manual_seed(seed)
    DebertaV2Model(config).save_pretrained(str(path))
    return path


def sentiment(n: int, seed: int = 0) -> list[Example]:
    """Sentences whose label is whether positive words outnumber negative ones."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.random() < 0.5
        strong = rng.choices(POSITIVE if label else NEGATIVE, k=rng.randint(1, 3))
        words = strong + rng.choices(FILLER, k=rng.randint(1, 8))
        rng.shuffle(words)
        out.append(Example(" ".join(words), int(label)))
    return out


def sentiment_csv(path: Path, examples: Sequence[Example]) -> Path:
    """``examples`` of :func:`sentiment` as a CSV file (text, label named negative/positive)."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for e in examples:
            writer.writerow([e.input, ["negative", "positive"][e.label]])
    return path


def multilabel(n: int, seed: int = 0) -> list[Example]:
    """Label 0: a positive word occurs; label 1: a negative word occurs."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choices(WORDS, k=rng.randint(2, 8))
        out.append(Example(" ".join(words), (int(any(w in POSITIVE for w in words)),
                                             int(any(w in NEGATIVE for w in words)))))
    return out


def regression(n: int, seed: int = 0) -> list[Example]:
    """The share of positive words among the sentiment words, a float in [0, 1]."""
    return [Example(e.input, float(e.label)) for e in sentiment(n, seed)]


def tagging(n: int, seed: int = 0) -> list[Example]:
    """Words tagged 1 (positive), 2 (negative) or 0 (other)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choices(WORDS, k=rng.randint(2, 8))
        out.append(Example(words, tuple(1 if w in POSITIVE else 2 if w in NEGATIVE else 0
                                        for w in words)))
    return out


#: A mean-pooled snapshot's files: the tiny BERT's and sentence-transformers' own.
POOLED_FILES = (*SNAPSHOT_FILES, "modules.json", "1_Pooling/config.json")


def assert_reloads_in_sentence_transformers(run_dir: Path, predicted: list[dict]) -> None:
    """The card's loading code for a mean-pooled run, with RUN_DIR filled in and no zoo,
    gives ``predicted`` (``zoo predict --json`` of "great fun film", "awful dull plot")."""
    import pytest
    import torch
    from safetensors.torch import load_file
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(run_dir), device="cpu")
    weights = load_file(str(run_dir / "head.safetensors"))
    with torch.no_grad():
        embeddings = encoder.encode(list(RELOAD_TEXTS), convert_to_tensor=True)
        probs = torch.softmax(embeddings @ weights["weight"].T + weights["bias"], -1)
    labels = encoder[0].auto_model.config.id2label
    assert len(predicted) == len(RELOAD_TEXTS)
    for row, answer in zip(probs, predicted):
        assert answer["label"] == labels[int(row.argmax())]
        assert answer["score"] == pytest.approx(float(row.max()), abs=1e-5)


RELOAD_TEXTS = ("great fun film", "awful dull plot")
