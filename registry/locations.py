"""Where zoo keeps things on disk, read from the environment each time it is asked.

Read at call time, never at import, so that tests and long-lived processes that change
``ZOO_HOME`` or ``HF_HOME`` are obeyed (huggingface_hub itself reads them only at import).
"""

from __future__ import annotations

import os
from pathlib import Path

ZOO_HOME_ENV = "ZOO_HOME"


def zoo_home() -> Path:
    """zoo's own cache and data directory: ``ZOO_HOME``, else ``$XDG_CACHE_HOME/zoo``."""
    if os.environ.get(ZOO_HOME_ENV):
        return Path(os.environ[ZOO_HOME_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "zoo"


def hf_hub_cache() -> Path:
    """The standard Hugging Face cache, so that transformers users share what zoo downloads."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def env_flag(name: str) -> bool:
    """True for ``1``/``true``/``yes``/``on``, as huggingface_hub reads its own flags."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
