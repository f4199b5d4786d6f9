"""The loading policy: safetensors always; a pickle checkpoint only when opted in, and then
through ``torch.load(weights_only=True)``, which refuses to run arbitrary code; never a
model's own code (``auto_map``).

Domains call ``check_weights`` before ``from_pretrained`` (so a pickle is refused before
transformers sees it) and ``load_state_dict`` when they read weights themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.errors import UsageError
from zoo.verified import listed_files

if TYPE_CHECKING:
    from zoo.snapshot import Snapshot

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
#: The config files in which a Hub model names Python code of its own for transformers to
#: import (``trust_remote_code``), and the keys that name it.
CODE_CONFIGS = ("config.json", "tokenizer_config.json", "preprocessor_config.json",
                "processor_config.json")
CODE_KEYS = ("auto_map", "custom_pipelines")


def _config(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # not a config this check can read; the library that loads it will say why
    return data if isinstance(data, dict) else {}


def refuse_remote_code(folder: Path, entry: str) -> None:
    """Raise ``UsageError`` when a config in ``folder`` asks for the model's own code."""
    for name in CODE_CONFIGS:
        config = _config(folder / name) if (folder / name).is_file() else {}
        found = [key for key in CODE_KEYS if key in config]
        if found:
            raise UsageError(
                f"{entry}: {name} names Python code of its own ({found[0]}), which zoo never "
                "runs; choose a backbone whose architecture transformers has built in")


def strip_remote_code(folder: Path) -> None:
    """Drop ``auto_map`` (and ``custom_pipelines``) from the configs written into ``folder``,
    so that nothing that loads a zoo run is invited to import code (``trust_remote_code``)."""
    from zoo.integrity import write_atomic

    for name in CODE_CONFIGS:
        path = folder / name
        data = _config(path) if path.is_file() else {}
        if any(key in data for key in CODE_KEYS):
            kept = {k: v for k, v in data.items() if k not in CODE_KEYS}
            write_atomic(path, json.dumps(kept, indent=2, sort_keys=True) + "\n")


def is_pickle(path: str | Path) -> bool:
    return str(path).lower().endswith(PICKLE_SUFFIXES)


def check_weights(snapshot: Snapshot, allow_pickle: bool) -> list[str]:
    """The snapshot's weight files; raises ``UsageError`` naming a pickle checkpoint unless
    ``allow_pickle`` (the entry's ``allow_pickle`` or the user's opt-in) is set. Every file
    of the folder is looked at, not only the listed ones: a library loads what it finds."""
    present = sorted(listed_files(snapshot.path))
    weights = [p for p in present if p.endswith(".safetensors") or is_pickle(p)]
    pickles = [p for p in weights if is_pickle(p)]
    if pickles and not allow_pickle:
        raise UsageError(
            f"{snapshot.name}: {', '.join(pickles)} is a pickle checkpoint, which can run code "
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
