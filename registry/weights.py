"""The weights policy: safetensors always; a pickle checkpoint only when opted in, and then
through ``torch.load(weights_only=True)``, which refuses to run arbitrary code.

Domains call ``check_weights`` before ``from_pretrained`` (so a pickle is refused before
transformers sees it) and ``load_state_dict`` when they read weights themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .resolve import Snapshot

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def is_pickle(path: str | Path) -> bool:
    return str(path).lower().endswith(PICKLE_SUFFIXES)


def check_weights(snapshot: Snapshot, allow_pickle: bool) -> list[str]:
    """The snapshot's weight files; raises ``UsageError`` naming a pickle checkpoint unless
    ``allow_pickle`` (the entry's ``allow_pickle`` or the user's opt-in) is set."""
    weights = [p for p in snapshot.files if p.endswith(".safetensors") or is_pickle(p)]
    pickles = [p for p in weights if is_pickle(p)]
    if pickles and not allow_pickle:
        raise UsageError(
            f"{snapshot.entry}: {', '.join(pickles)} is a pickle checkpoint, which can run code "
            "when loaded; refused. Set allow_pickle = true on the entry in your zoo.toml to load "
            "it with torch.load(weights_only=True)")
    return weights


def load_state_dict(path: str | Path, allow_pickle: bool = False) -> dict[str, Any]:
    """Tensors from a safetensors file, or from an opted-in pickle with ``weights_only=True``."""
    path = Path(path)
    if path.name.endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(str(path))
    if not is_pickle(path):
        raise UsageError(f"{path.name}: not a weights file zoo knows (.safetensors, .bin, .pt, .pth)")
    if not allow_pickle:
        raise UsageError(f"{path.name} is a pickle checkpoint; refused without allow_pickle")
    import torch

    return torch.load(str(path), map_location="cpu", weights_only=True)
