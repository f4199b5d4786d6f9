"""``--strategy auto``, zoo adapt's default: the strategy chosen from the training rows and
the backbone, with the reason, which zoo adapt prints and run.json records."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from zoo.capabilities import SentenceEncoder
from zoo.catalog import Backbone
from zoo.data.label_formats import SingleLabel

AUTO = "auto"
#: Below this many training rows a sentence encoder is tuned on contrastive pairs first
#: (``fewshot``); from it on the whole model is fine-tuned (``full``): where the learning
#: curves of docs/small-data.md cross.
FEWSHOT_BELOW = 512
#: The file that says a snapshot is a sentence-transformers model, which pools its own way.
_SENTENCE_MODULES = "modules.json"


@dataclass(frozen=True)
class Choice:
    strategy: str
    reason: str


def choose_strategy(rows: int, backbone: Backbone, head: Any, domain: Any) -> Choice:
    """``fewshot`` on few rows of a single-label task when the backbone is a sentence encoder
    and setfit is installed, else ``full``, whose budget then follows the rows
    (``zoo.engine.budget``)."""
    full = f"{rows} training rows on {backbone.name}: full fine-tuning"
    if rows >= FEWSHOT_BELOW:
        return Choice("full", f"{full} ({FEWSHOT_BELOW} rows or more)")
    why_not = _fewshot_missing(backbone, head, domain)
    if why_not:
        return Choice("full", f"{full}; few-shot pairs would suit so few rows, but {why_not}")
    return Choice("fewshot", f"{rows} training rows (fewer than {FEWSHOT_BELOW}) on "
                             f"{backbone.name}, a sentence encoder: few-shot, contrastive "
                             "pairs tune the encoder, then the head trains")


def _fewshot_missing(backbone: Backbone, head: Any, domain: Any) -> str:
    if not isinstance(domain, SentenceEncoder):
        return f"the {domain.name} domain has no sentence encoders"
    if _SENTENCE_MODULES not in {f.path for f in backbone.files}:
        return f"{backbone.name} lists no sentence-transformers pooling ({_SENTENCE_MODULES})"
    if not isinstance(head.label_format(), SingleLabel):
        return f"head {head.name!r} is not single-label"
    if importlib.util.find_spec("setfit") is None:
        return "setfit is not installed (pip install -c constraints.txt 'zoo[fewshot]')"
    return ""
