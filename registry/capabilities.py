"""Optional domain capabilities, as protocols a domain implements and zoo checks up front.

A domain subclasses :class:`zoo.Domain` for what every run needs and implements these where it
can. A strategy names the ones it needs (``Strategy.requires``) and a command checks
``isinstance(domain, Capability)`` before any work, so a domain without one fails with one line
instead of half way through. :class:`ArrayLoss` is a head's: the loss on numpy arrays, which
``--backend onnx`` reports where the head has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from zoo.errors import UsageError


@runtime_checkable
class LayerAccess(Protocol):
    """The model's parts by role: what freezing and a faster-learning head need."""

    def backbone_module(self, model: Any) -> Any:
        """The pretrained part of ``model`` (everything but the task head)."""
        ...

    def backbone_layers(self, model: Any) -> list[Any]:
        """The backbone's blocks, input side first, with the embeddings as block 0."""
        ...

    def head_modules(self, model: Any) -> dict[str, Any]:
        """Modules inside the backbone that the head reads through, by name (BERT's pooler
        turns the first token into what its classifier sees). They belong with the head:
        freezing the backbone still trains them, LoRA trains and saves them whole, and cached
        features stop before them. Empty when there are none."""
        ...


@runtime_checkable
class FeatureCache(Protocol):
    """The head run alone on backbone outputs computed once: ``freeze`` of the whole backbone."""

    def backbone_features(self, model: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
        """What the head reads from the backbone, one dict per example; it stops before
        ``LayerAccess.head_modules``, which train on top of the cache."""
        ...

    def collate_features(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Stack cached backbone features into a batch for :meth:`head_logits`."""
        ...

    def head_logits(self, model: Any, batch: dict[str, Any]) -> Any:
        """Run only the head of ``model`` on a batch of cached backbone features."""
        ...


@runtime_checkable
class LoraSupport(Protocol):
    """What peft needs to put LoRA adapters on this domain's models and save them."""

    def lora_options(self, model: Any) -> dict[str, Any]:
        """``peft.LoraConfig`` arguments besides rank and targets that the model needs: a
        transformers ``task_type`` (peft then trains and saves the head itself), or
        ``modules_to_save`` naming the head modules for a model peft has no task type for."""
        ...

    def save_adapter(self, model: Any, preprocessor: Any, path: Path, base_path: Path,
                     final_path: Path) -> None:
        """Write a peft-wrapped ``model`` as an adapter into ``path``, with the base model it
        applies to in ``path / "base"`` (``base_path`` is the backbone's snapshot; ``path``
        becomes ``final_path`` once the run is finished, which the adapter config names)."""
        ...


@runtime_checkable
class HiddenStates(Protocol):
    """The last hidden states beside the logits: what distillation aligns a student by."""

    def logits_and_hidden(self, model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
        """The logits of a collated batch and the backbone's last hidden states
        (batch, sequence, width)."""
        ...


@runtime_checkable
class ArchitectureCheck(Protocol):
    """Which architecture a model's config.json names, when the domain can load it: how a
    folder or Hub repo finds its domain (text: transformers; vision: timm)."""

    def architecture_of(self, config: dict[str, Any]) -> str | None:
        """The architecture ``config`` (a parsed config.json) names, or None when this domain
        cannot load it."""
        ...


@runtime_checkable
class SentenceEncoder(Protocol):
    """The model's body as a sentence-transformers model: what contrastive few-shot training
    (``fewshot``, SetFit's method) trains through sentence-transformers' own losses."""

    def sentence_encoder(self, model: Any, base_path: Path, max_length: int) -> Any:
        """A ``SentenceTransformer`` whose modules share ``model``'s backbone weights (training
        it trains the run), pooled as the head reads it; ``base_path`` is the backbone's
        snapshot. Raises UsageError when ``model`` reads no pooled sentence vector."""
        ...

    def sentence_head(self, model: Any) -> Any:
        """The ``torch.nn.Linear`` that turns the pooled sentence vector into ``model``'s logits
        (few-shot fits it as a logistic regression)."""
        ...


#: How a refusal names each capability.
NAMES: dict[type, str] = {
    LayerAccess: "access to its layers (zoo.capabilities.LayerAccess)",
    FeatureCache: "cached backbone features (zoo.capabilities.FeatureCache)",
    LoraSupport: "LoRA support (zoo.capabilities.LoraSupport)",
    HiddenStates: "hidden states (zoo.capabilities.HiddenStates)",
    SentenceEncoder: "a sentence-encoder view of its models (zoo.capabilities.SentenceEncoder)",
}


def require(domain: Any, capabilities: Sequence[type], needed_by: str, instead: str) -> None:
    """Refuse, in one line, a domain that lacks any of ``capabilities``. ``needed_by`` names
    what needs them ("strategy 'lora'"); ``instead`` says what to do about it."""
    missing = [c for c in capabilities if not isinstance(domain, c)]
    if missing:
        what = " and ".join(NAMES.get(c, c.__name__) for c in missing)
        raise UsageError(f"{needed_by} needs a domain with {what}, which the {domain.name} "
                         f"domain does not have; {instead}")


class OnnxEncoder(Protocol):
    """Turns raw inputs into a model's ONNX inputs with no torch: what ``--backend onnx`` runs."""

    def encode(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        """One feature dict per input, with the same keys and values as ``Domain.encode``
        (token heads: ``word_starts`` too)."""
        ...

    def collate(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The features as numpy arrays, one per model input, padded to the batch's longest."""
        ...


@runtime_checkable
class OnnxExport(Protocol):
    """A domain whose runs ``zoo export`` writes as ONNX and ONNX Runtime serves without torch."""

    def onnx_inputs(self, preprocessor: Any) -> dict[str, dict[int, str]]:
        """The model's inputs in call order, each with its dynamic axes by name
        (text: ``{"input_ids": {0: "batch", 1: "sequence"}, ...}``)."""
        ...

    def onnx_module(self, model: Any, head: Any) -> Any:
        """A ``torch.nn.Module`` whose forward takes :meth:`onnx_inputs` positionally and
        returns the logits tensor alone."""
        ...

    def onnx_encoder_config(self, preprocessor: Any, max_length: int) -> dict[str, Any]:
        """What :meth:`onnx_encoder` needs besides the files (export.json records it)."""
        ...

    def onnx_files(self, run_dir: Path) -> list[str]:
        """Files of the run directory the encoder reads, copied beside the ONNX model."""
        ...

    def onnx_encoder(self, folder: Path, config: dict[str, Any], head: Any) -> OnnxEncoder:
        """The torch-free encoder reading :meth:`onnx_files` from ``folder``."""
        ...

    def onnx_loading_code(self, record: dict[str, Any]) -> str:
        """Python that loads ``RUN_DIR/onnx/model.onnx`` with plain onnxruntime (no zoo or
        torch) and computes an example's logits, for the model card; ``record`` is export.json."""
        ...


@runtime_checkable
class ImageInputs(Protocol):
    """A domain whose inputs are images. ``zoo serve`` hands it the uploads decoded as PIL
    images and never passes it a client's string, which such a domain opens as a file path."""

    image_inputs: bool


@runtime_checkable
class ArrayLoss(Protocol):
    """A head whose loss can be computed from numpy logits and labels as well, so that
    ``zoo eval --backend onnx`` reports the loss ``--backend torch`` does, without torch."""

    def array_loss(self, logits: Any, labels: Any) -> float:
        """:meth:`zoo.Head.loss` of a whole split, from numpy arrays (``label_array``'s labels)."""
        ...
