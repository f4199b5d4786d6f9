"""Which linear layers LoRA adapts by default, per transformers ``model_type``.

The attention query and value projections, as in the LoRA paper; names differ per family.
"""

from __future__ import annotations

DEFAULT_TARGETS: dict[str, list[str]] = {
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "xlm-roberta": ["query", "value"],
    "electra": ["query", "value"],
    "camembert": ["query", "value"],
    "distilbert": ["q_lin", "v_lin"],
    "mpnet": ["q", "v"],
    "deberta-v2": ["query_proj", "value_proj"],
    "deberta": ["in_proj"],
    "albert": ["query", "value"],
}

#: Names tried, in order, for an architecture not listed above.
FALLBACK_NAMES = (["query", "value"], ["q_proj", "v_proj"], ["q_lin", "v_lin"], ["q", "v"])
