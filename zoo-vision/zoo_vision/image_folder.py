"""Read a user's folder of images, one subfolder per class (``DIR/<class>/<image>``).

Images stay on disk: rows carry paths and the transform opens each one when it is needed,
so a folder of large photographs costs no memory up front. Every file is still checked as an
image when read (PIL reads the header only), so a stray file fails now, with its name, not in
the middle of training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.errors import UsageError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def read_image_folder(root: Path) -> list[dict[str, Any]]:
    """Rows ``{"image": Path, "label": class folder name}``, classes and files in sorted order."""
    from PIL import Image, UnidentifiedImageError

    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; expected DIR/<class>/<image> folders")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise UsageError(f"{root} has {len(classes)} class folder(s); an image classification "
                         "dataset needs at least two: DIR/<class>/<image>")
    rows = []
    for folder in classes:
        images = sorted(p for p in folder.rglob("*")
                        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise UsageError(f"class folder {folder} holds no images "
                             f"({', '.join(sorted(IMAGE_SUFFIXES))})")
        for path in images:
            try:
                with Image.open(path):
                    pass
            except (UnidentifiedImageError, OSError) as exc:
                raise UsageError(f"{path} is not a readable image: {exc}") from exc
            rows.append({"image": path, "label": folder.name})
    return rows

