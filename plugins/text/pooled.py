"""A sentence encoder pooled its own way with a linear classifier on top: what a sequence head
gets on a snapshot that says it mean-pools (``zoo.plugins.text.pooling``).

No ``AutoModelFor*`` class pools that way, so a run of one is saved as sentence-transformers
reads it (the backbone by transformers, ``modules.json`` and ``1_Pooling/config.json``) plus
the classifier's weights in ``head.safetensors``: it loads with sentence-transformers and
safetensors alone, no zoo and no pickles.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

#: The classifier's weights beside a pooled run's backbone.
HEAD_FILE = "head.safetensors"
#: run.json's ``format`` for such a run.
FORMAT = "sentence-transformers"


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """The average of each input's token vectors over its real (unpadded) tokens, as
    sentence-transformers' mean pooling computes it."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


@lru_cache(maxsize=1)
def pooled_classifier_class() -> Any:
    import torch
    from transformers.modeling_outputs import SequenceClassifierOutput

    class PooledClassifier(torch.nn.Module):
        """``encoder`` (a transformers ``AutoModel``), mean-pooled, then dropout and a linear
        classifier, with the calling convention of ``AutoModelForSequenceClassification``
        (``.logits``, ``.base_model``, ``.config``) that the engine and the export use."""

        def __init__(self, encoder: Any, num_labels: int) -> None:
            super().__init__()
            self.encoder = encoder
            self.config = encoder.config
            dropout = getattr(self.config, "hidden_dropout_prob", 0.1)
            self.dropout = torch.nn.Dropout(dropout if isinstance(dropout, float) else 0.1)
            self.classifier = torch.nn.Linear(self.config.hidden_size, num_labels)

        @classmethod
        def from_config(cls, config: Any) -> Any:
            """A new one of ``config``'s shape (weights fresh): what distillation builds its
            shallower student from, as it builds a transformers model from its config."""
            from transformers import AutoModel

            encoder = AutoModel.from_config(config)
            if getattr(encoder, "pooler", None) is not None:
                encoder.pooler = None
            return cls(encoder, config.num_labels)

        @property
        def base_model(self) -> Any:
            return self.encoder

        def head(self, pooled: Any) -> Any:
            return self.classifier(self.dropout(pooled))

        def forward(self, input_ids: Any = None, attention_mask: Any = None,
                    token_type_ids: Any = None, output_hidden_states: bool = False,
                    **kwargs: Any) -> Any:
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                               output_hidden_states=output_hidden_states, **extra)
            if attention_mask is None:
                attention_mask = torch.ones(input_ids.shape, device=input_ids.device)
            logits = self.head(mean_pool(out.last_hidden_state, attention_mask))
            return SequenceClassifierOutput(logits=logits, hidden_states=out.hidden_states)

    return PooledClassifier


def is_pooled(model: Any) -> bool:
    return isinstance(model, pooled_classifier_class())


def build_pooled(path: Path, model_config: Any) -> Any:
    """The snapshot's backbone (its pooler left out: mean pooling never reads it) with a new
    classifier sized by ``model_config.num_labels``."""
    from transformers import AutoModel

    safetensors = any(Path(path).glob("*.safetensors"))
    encoder = AutoModel.from_pretrained(str(path), config=model_config,
                                        use_safetensors=safetensors, trust_remote_code=False)
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None
    return pooled_classifier_class()(encoder, model_config.num_labels)


def sentence_encoder(model: Any, base_path: Path, max_length: int) -> Any:
    """``model``'s encoder as a mean-pooled ``SentenceTransformer`` that trains it in place.

    Its modules are named here, not read from the snapshot's ``modules.json``: that file is
    untrusted, and sentence-transformers imports whatever module type it names."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    transformer = Transformer(str(base_path), max_seq_length=max_length,
                              model_kwargs={"trust_remote_code": False},
                              config_kwargs={"trust_remote_code": False})
    transformer.model = model.encoder  # the run's own weights, not the copy just loaded
    pooling = Pooling(model.config.hidden_size, pooling_mode="mean")
    return SentenceTransformer(modules=[transformer, pooling],
                               device=str(next(model.parameters()).device))


def save_head(model: Any, path: Path) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous().cpu() for k, v in model.classifier.state_dict().items()}
    save_file(state, str(Path(path) / HEAD_FILE))


def load_pooled(path: Path) -> Any:
    """A pooled run back: the backbone, and the classifier from ``head.safetensors``."""
    from safetensors.torch import load_file
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(path), trust_remote_code=False)
    model = build_pooled(path, config)
    model.classifier.load_state_dict(load_file(str(Path(path) / HEAD_FILE)))
    return model


LOADING_CODE = """\
from safetensors.torch import load_file
from sentence_transformers import SentenceTransformer

encoder = SentenceTransformer(RUN_DIR, device="cpu")  # the backbone, mean-pooled
head = load_file(f"{RUN_DIR}/head.safetensors")  # the classifier: logits = W x + b
embeddings = encoder.encode(["an example"], convert_to_tensor=True)
logits = embeddings @ head["weight"].T + head["bias"]
labels = encoder[0].auto_model.config.id2label"""
