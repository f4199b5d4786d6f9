"""How a sentence-transformers snapshot pools its token vectors into one, read from its files.

A snapshot saved by sentence-transformers says so in ``modules.json`` (its modules in order,
each with a folder) and the pooling module's ``config.json`` (``pooling_mode_mean_tokens``
and the like). all-MiniLM-L6-v2 and all-mpnet-base-v2 were trained through mean pooling, so a
head reading BERT's pooler (dense + tanh over the first token, never trained in them) starts
from features the backbone never learnt to produce. Both files are untrusted input: they are
parsed as JSON, and a module folder outside the snapshot is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zoo.errors import UsageError

MODULES = "modules.json"
#: The pooling module's type as sentence-transformers writes it (old and new module paths).
POOLING_TYPES = ("sentence_transformers.models.Pooling",
                 "sentence_transformers.sentence_transformer.modules.Pooling",
                 "sentence_transformers.sentence_transformer.modules.pooling.Pooling")
#: The config flags of each pooling mode, in sentence-transformers' names.
MODES = {"cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens",
         "max": "pooling_mode_max_tokens", "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens"}
#: The folder a run's pooling config is written to, as sentence-transformers names it.
POOLING_DIR = "1_Pooling"


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path} is not readable JSON ({exc}); remove it or fix the "
                         "snapshot") from exc


def read_pooling(path: Path) -> dict[str, Any] | None:
    """The snapshot's pooling config (``{"mode": "mean", "dimension": 384}``), or None when it
    names none (a plain transformers snapshot)."""
    root = Path(path)
    if not (root / MODULES).is_file():
        return None
    modules = _json(root / MODULES)
    if not isinstance(modules, list):
        raise UsageError(f"{root / MODULES} is not a list of modules")
    for module in modules:
        if not isinstance(module, dict) or module.get("type") not in POOLING_TYPES:
            continue
        folder = (root / str(module.get("path", ""))).resolve()
        if not folder.is_relative_to(root.resolve()):
            raise UsageError(f"{root / MODULES} names a pooling folder outside the snapshot")
        config = _json(folder / "config.json")
        if not isinstance(config, dict):
            raise UsageError(f"{folder / 'config.json'} is not a JSON object")
        modes = [mode for mode, flag in MODES.items() if config.get(flag) is True]
        if len(modes) != 1:
            return None  # several modes concatenated, or one zoo has no name for: as before
        return {"mode": modes[0], "dimension": config.get("word_embedding_dimension")}
    return None


def write_pooling(path: Path, mode: str, dimension: int) -> None:
    """The files sentence-transformers reads a run's backbone and pooling from: the backbone
    (saved by transformers in ``path``) as module 0, then the pooling."""
    from zoo.integrity import write_atomic

    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": POOLING_DIR,
                "type": "sentence_transformers.models.Pooling"}]
    write_atomic(Path(path) / MODULES, json.dumps(modules, indent=2) + "\n")
    config = {"word_embedding_dimension": int(dimension),
              **{flag: name == mode for name, flag in MODES.items()}}
    (Path(path) / POOLING_DIR).mkdir(exist_ok=True)
    write_atomic(Path(path) / POOLING_DIR / "config.json", json.dumps(config, indent=2) + "\n")
