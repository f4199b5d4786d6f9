"""Optional domain capabilities, as protocols a domain implements and zoo checks up front.

A command that needs a capability checks ``isinstance(domain, Capability)`` before any work,
so a domain without it fails with one line instead of half way through.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


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

    def onnx_optimizer(self, model: Any) -> dict[str, Any] | None:
        """Arguments for onnxruntime's transformers optimizer (``model_type``, ``num_heads``,
        ``hidden_size``), or None when it does not apply to this model."""
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
