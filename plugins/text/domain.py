"""The text domain: transformers encoders, their tokenizers, and batches padded to the batch.

Models are ``AutoModelFor<Task>`` built from a verified local snapshot; weights load from
safetensors unless only a pickle was resolved (the resolver enforces the opt-in), and remote
code never runs.
"""

from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo.catalog import Backbone
from zoo.components import Domain, Head
from zoo.errors import UsageError
from zoo.weights import strip_remote_code

from . import pooled
from .pooling import read_pooling, write_pooling


IGNORE = -100
#: The folder inside a LoRA run that holds the base model the adapter applies to.
BASE_DIR = "base"


def _auto_class(head: Head) -> Any:
    import transformers

    if head.output_kind == "token":
        return transformers.AutoModelForTokenClassification
    return transformers.AutoModelForSequenceClassification


def _peft_auto_class(head: Head) -> Any:
    import peft

    if head.output_kind == "token":
        return peft.AutoPeftModelForTokenClassification
    return peft.AutoPeftModelForSequenceClassification


def _quiet_transformers() -> None:
    """The expected "newly initialized head" notice is noise for zoo's users."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


class TextDomain(Domain):
    name = "text"
    description = "Text encoders from transformers (AutoModel / AutoTokenizer)"

    # -- loading -------------------------------------------------------------------------
    def load_preprocessor(self, path: Path, *, entry: Backbone | None = None,
                          config: Any = None) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(path), trust_remote_code=False)

    def build_model(self, path: Path, head: Head, labels: Sequence[str], *,
                    entry: Backbone | None = None, config: Any = None) -> Any:
        from transformers import AutoConfig

        _quiet_transformers()
        n = head.num_outputs(labels)
        names = list(labels) if len(labels) == n else [f"LABEL_{i}" for i in range(n)]
        model_config = AutoConfig.from_pretrained(
            str(path), trust_remote_code=False, num_labels=n,
            id2label=dict(enumerate(names)), label2id={v: i for i, v in enumerate(names)})
        if head.problem_type:
            model_config.problem_type = head.problem_type
        pooling = read_pooling(path)
        if head.output_kind == "sequence" and pooling is not None and pooling["mode"] == "mean":
            return pooled.build_pooled(path, model_config)
        safetensors = any(Path(path).glob("*.safetensors"))
        return _auto_class(head).from_pretrained(
            str(path), config=model_config, use_safetensors=safetensors, trust_remote_code=False)

    # -- inputs --------------------------------------------------------------------------
    def encode(self, preprocessor: Any, inputs: Sequence[Any], labels: Sequence[Any] | None,
               head: Head, max_length: int) -> list[dict[str, Any]]:
        words = head.output_kind == "token"
        if words and not all(isinstance(x, (list, tuple)) for x in inputs):
            raise UsageError(f"head {head.name!r} needs each input as a list of words")
        if not words and not all(isinstance(x, str) for x in inputs):
            raise UsageError(f"head {head.name!r} needs each input as a string")
        enc = preprocessor(list(inputs) if not words else [list(x) for x in inputs],
                           truncation=True, max_length=max_length, is_split_into_words=words)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        features = []
        for i in range(len(inputs)):
            feature = {k: enc[k][i] for k in keys}
            if words:
                ids = enc.word_ids(i)
                first = [w is not None and (j == 0 or ids[j - 1] != w) for j, w in enumerate(ids)]
                feature["word_starts"] = first
                if labels is not None:
                    feature["label"] = [labels[i][w] if f else IGNORE for w, f in zip(ids, first)]
            elif labels is not None:
                feature["label"] = labels[i]
            features.append(feature)
        return features

    def length(self, feature: dict[str, Any]) -> int:
        return len(feature["input_ids"])

    def parse_input(self, value: Any) -> str:
        from zoo.data.labels import parse_text

        return parse_text(value)

    def output_rows(self, logits: Any, features: Sequence[dict[str, Any]]) -> list[Any]:
        """Per-token logits keep each word's first sub-token, the one its label sits on."""
        if logits.ndim != 3:
            return super().output_rows(logits, features)
        return [logits[j, :len(f["word_starts"])][_mask(logits, f["word_starts"])]
                for j, f in enumerate(features)]

    def output_labels(self, labels: Sequence[Any], features: Sequence[dict[str, Any]]) -> list[Any]:
        if not features or "word_starts" not in features[0]:
            return list(labels)
        return [list(label)[:sum(f["word_starts"])] for label, f in zip(labels, features)]

    def logits_and_hidden(self, model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
        out = model(**batch, output_hidden_states=True)
        return out.logits, out.hidden_states[-1]

    def collate(self, preprocessor: Any, features: Sequence[dict[str, Any]],
                training: bool = False) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in features)
        pad = {"input_ids": preprocessor.pad_token_id or 0, "attention_mask": 0, "token_type_ids": 0}
        batch = {}
        for key, value in pad.items():
            if key in features[0]:
                rows = [f[key] + [value] * (width - len(f[key])) for f in features]
                batch[key] = torch.tensor(rows, dtype=torch.long)
        return batch

    # -- structure -----------------------------------------------------------------------
    def backbone_module(self, model: Any) -> Any:
        return model.base_model

    def backbone_layers(self, model: Any) -> list[Any]:
        import torch

        base = self.backbone_module(model)
        n = getattr(model.config, "num_hidden_layers", None)
        blocks = next((m for m in base.modules()
                       if isinstance(m, torch.nn.ModuleList) and len(m) == n), None)
        if blocks is None:
            raise UsageError(f"cannot find the layers of {type(model).__name__}: "
                             "--freeze-layers and --head-lr-scale need them")
        embeddings = getattr(base, "embeddings", None)
        return ([embeddings] if embeddings is not None else []) + list(blocks)

    def lora_options(self, model: Any) -> dict[str, Any]:
        """peft's task type, and every module between the backbone and the logits trained
        whole and saved with the adapter: the classifier, plus whatever the head reads through
        (BERT's pooler, DeBERTa's context pooler). ``full`` trains those too; peft's task type
        alone keeps only modules named like ``classifier``, which left DeBERTa's new pooler
        frozen at random and unsaved, and BERT's pretrained pooler frozen."""
        import peft

        if pooled.is_pooled(model):
            raise UsageError("LoRA does not yet adapt a mean-pooled sentence encoder (its "
                             "snapshot's modules.json); use --strategy full or freeze")
        backbone = self.backbone_module(model)
        trained = [name for name, child in model.named_children()
                   if child is not backbone and any(True for _ in child.parameters())]
        trained += list(self.head_modules(model))
        task_type = peft.TaskType.TOKEN_CLS if _is_token_model(model) else peft.TaskType.SEQ_CLS
        return {"task_type": task_type, "modules_to_save": sorted(trained)}

    def head_modules(self, model: Any) -> dict[str, Any]:
        """BERT-style backbones end in a pooler (dense + tanh over the first token) that only
        the classifier reads. Sentence encoders such as all-MiniLM-L6-v2 were never trained
        through it, so a head that cannot train it sits on near-random features
        (docs/engine.md, "Defaults, and the measurements behind them")."""
        pooler = getattr(self.backbone_module(model), "pooler", None)
        return {"pooler": pooler} if pooler is not None else {}

    # -- cached backbone features --------------------------------------------------------
    def backbone_features(self, model: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
        hidden = self.backbone_module(model)(**batch).last_hidden_state.float()
        if pooled.is_pooled(model):  # the head reads the mean, which is all the cache keeps
            vectors = pooled.mean_pool(hidden, batch["attention_mask"])
            return [{"hidden": vectors[i:i + 1].clone()} for i in range(hidden.shape[0])]
        if _is_token_model(model):
            lengths = batch["attention_mask"].sum(-1).tolist()
            return [{"hidden": hidden[i, :n].clone()} for i, n in enumerate(lengths)]
        # Sequence heads (and the pooler) read the first token only; keeping just that makes
        # the cache a few floats per example instead of a whole sequence.
        return [{"hidden": hidden[i, :1].clone()} for i in range(hidden.shape[0])]

    def collate_features(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(f["hidden"].shape[0] for f in features)
        hidden = torch.zeros(len(features), width, features[0]["hidden"].shape[-1])
        for i, f in enumerate(features):
            hidden[i, :f["hidden"].shape[0]] = f["hidden"]
        return {"hidden": hidden}

    def head_logits(self, model: Any, batch: dict[str, Any]) -> Any:
        """Call the model's own forward with its backbone swapped for the cached outputs, so
        every architecture's head (pooler-based, first-token, per-token) runs unchanged; the
        pooler, which trains with the head, runs live on the cached first token."""
        from transformers.modeling_outputs import BaseModelOutputWithPooling

        if pooled.is_pooled(model):
            return model.head(batch["hidden"][:, 0])
        prefix = model.base_model_prefix
        real = getattr(model, prefix)
        pooler = self.head_modules(model).get("pooler")
        stub = _cached_backbone_class()(BaseModelOutputWithPooling(
            last_hidden_state=batch["hidden"],
            pooler_output=pooler(batch["hidden"]) if pooler is not None else None))
        model._modules[prefix] = stub
        try:
            return model(input_ids=None, inputs_embeds=batch["hidden"]).logits
        finally:
            model._modules[prefix] = real

    # -- few-shot (zoo.capabilities.SentenceEncoder) ----------------------------------------
    def sentence_encoder(self, model: Any, base_path: Path, max_length: int) -> Any:
        if not pooled.is_pooled(model):
            raise UsageError("contrastive few-shot training needs a sentence encoder that "
                             "mean-pools (a snapshot with sentence-transformers' modules.json "
                             "and 1_Pooling/config.json, such as minilm-l6); this backbone "
                             "reads BERT's pooler: use --strategy full or freeze")
        return pooled.sentence_encoder(model, base_path, max_length)

    def sentence_head(self, model: Any) -> Any:
        return model.classifier

    # -- saving --------------------------------------------------------------------------
    def save(self, model: Any, preprocessor: Any, path: Path) -> str | None:
        """A plain transformers model, or for a mean-pooled one the files sentence-transformers
        loads plus ``head.safetensors`` (format "sentence-transformers")."""
        if pooled.is_pooled(model):
            model.encoder.save_pretrained(str(path), safe_serialization=True)
            pooled.save_head(model, path)
            write_pooling(path, "mean", model.config.hidden_size)
        else:
            model.save_pretrained(str(path), safe_serialization=True)
        preprocessor.save_pretrained(str(path))
        strip_remote_code(path)
        return pooled.FORMAT if pooled.is_pooled(model) else None

    def save_adapter(self, model: Any, preprocessor: Any, path: Path, base_path: Path,
                     final_path: Path) -> None:
        _write_base(model, base_path, path / BASE_DIR)
        model.peft_config["default"].base_model_name_or_path = str((final_path / BASE_DIR).resolve())
        model.save_pretrained(str(path))
        preprocessor.save_pretrained(str(path))
        strip_remote_code(path)
        strip_remote_code(path / BASE_DIR)

    def load_run(self, path: Path, head: Head) -> tuple[Any, Any]:
        _quiet_transformers()
        if (Path(path) / "adapter_config.json").is_file():
            model = _peft_auto_class(head).from_pretrained(str(path))
        elif (Path(path) / pooled.HEAD_FILE).is_file():
            model = pooled.load_pooled(path)
        else:
            model = _auto_class(head).from_pretrained(str(path), use_safetensors=True,
                                                      trust_remote_code=False)
        model.eval()
        return model, self.load_preprocessor(path)


    def loading_code(self, head: Head, fmt: str) -> str:
        if fmt == pooled.FORMAT:
            return pooled.LOADING_CODE
        names = self.run_fields(head)
        cls = names["peft_class"] if fmt == "peft" else names["auto_class"]
        library = "peft" if fmt == "peft" else "transformers"
        return f"from {library} import {cls}\nmodel = {cls}.from_pretrained(RUN_DIR)"

    def architecture_of(self, config: dict[str, Any]) -> str | None:
        """The architecture a model's config.json names, when transformers knows its model
        type (a backbone named by Hub repo id or folder: ``zoo.backbones``)."""
        from transformers import CONFIG_MAPPING

        model_type, names = config.get("model_type"), config.get("architectures")
        if isinstance(model_type, str) and model_type in CONFIG_MAPPING and names:
            return str(names[0])
        return None

    def run_fields(self, head: Head) -> dict[str, str]:
        token = head.output_kind == "token"
        suffix = "TokenClassification" if token else "SequenceClassification"
        return {"auto_class": f"AutoModelFor{suffix}", "peft_class": f"AutoPeftModelFor{suffix}",
                "pipeline_tag": "token-classification" if token else "text-classification"}

    # -- ONNX (zoo.capabilities.OnnxExport) ----------------------------------------------
    def onnx_inputs(self, preprocessor: Any) -> dict[str, dict[int, str]]:
        names = set(getattr(preprocessor, "model_input_names", ())) | {"input_ids", "attention_mask"}
        return {k: {0: "batch", 1: "sequence"}
                for k in ("input_ids", "attention_mask", "token_type_ids") if k in names}

    def onnx_module(self, model: Any, head: Head) -> Any:
        return _logits_module_class()(model)

    def onnx_encoder_config(self, preprocessor: Any, max_length: int) -> dict[str, Any]:
        return {"max_length": int(max_length), "pad_id": int(preprocessor.pad_token_id or 0),
                "inputs": list(self.onnx_inputs(preprocessor))}

    def onnx_files(self, run_dir: Path) -> list[str]:
        if not (Path(run_dir) / "tokenizer.json").is_file():
            raise UsageError(f"{run_dir} has no tokenizer.json (a fast tokenizer's file), which "
                             "ONNX Runtime's tokenizing reads; export needs a fast tokenizer")
        return ["tokenizer.json"]

    def onnx_encoder(self, folder: Path, config: dict[str, Any], head: Head) -> Any:
        from .onnx_encoder import TokenizersEncoder

        return TokenizersEncoder(folder, config, words=head.output_kind == "token")

    def onnx_loading_code(self, record: dict[str, Any]) -> str:
        from zoo.onnx_backend import session_code

        names = [i["name"] for i in record["inputs"]]
        fields = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
        feeds = ", ".join(f'"{n}": np.array([e.{fields.get(n, n)} for e in batch], dtype=np.int64)'
                          for n in names)
        return "\n".join([
            "import numpy as np", "import onnxruntime as ort", "from tokenizers import Tokenizer", "",
            'tokenizer = Tokenizer.from_file("RUN_DIR/onnx/tokenizer.json")',
            f"tokenizer.enable_truncation({record['encoder']['max_length']})",
            f"tokenizer.enable_padding(pad_id={record['encoder']['pad_id']})",
            *session_code(record),
            'batch = tokenizer.encode_batch(["an example"])',
            f"logits = session.run(None, {{{feeds}}})[0]", f"labels = {record['labels']!r}"])


def _write_base(model: Any, snapshot: Path, base: Path) -> None:
    """The base model the adapter applies to: the snapshot's weights (linked, not copied)
    with a config that already has the task's labels, so the head's shape matches on load."""
    base.mkdir(parents=True, exist_ok=True)
    for item in Path(snapshot).iterdir():
        if item.is_file() and item.name != "config.json":
            try:
                os.symlink(item.resolve(), base / item.name)
            except OSError:
                shutil.copy2(item, base / item.name)
    config = model.get_base_model().config.to_dict()
    (base / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))


def _mask(like: Any, flags: Sequence[bool]) -> Any:
    """``flags`` as a boolean mask of ``like``'s library (torch or numpy), to index it."""
    if hasattr(like, "numpy"):
        import torch

        return torch.tensor(flags, dtype=torch.bool, device=like.device)
    import numpy as np

    return np.asarray(flags, dtype=bool)


def _is_token_model(model: Any) -> bool:
    return type(model).__name__.endswith("ForTokenClassification")


@lru_cache(maxsize=1)
def _logits_module_class() -> Any:
    import torch

    class LogitsOnly(torch.nn.Module):
        """A transformers model called with its inputs by position, returning the logits
        tensor alone: the signature an ONNX graph exports."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

    return LogitsOnly


@lru_cache(maxsize=1)
def _cached_backbone_class() -> Any:
    import torch

    class CachedBackbone(torch.nn.Module):
        """Stands in for a frozen backbone: returns outputs computed once, ahead of time."""

        def __init__(self, outputs: Any) -> None:
            super().__init__()
            self.outputs = outputs

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            return self.outputs

    return CachedBackbone
