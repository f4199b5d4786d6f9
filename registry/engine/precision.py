"""Whether this CPU runs bf16 natively, so autocast helps instead of emulating."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(BF16_FLAGS & set(line.split(":", 1)[1].split()))
    return False
