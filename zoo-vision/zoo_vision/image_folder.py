"""Read a user's folder of images, one subfolder per class (``DIR/<class>/<image>``).

Images stay on disk: rows carry paths and the transform opens each one when it is needed,
so a folder of large photographs costs no memory up front. Every file is still checked as an
image when read (PIL reads the header only), so a stray file is reported now, by name, not
in the middle of training.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from zoo.components import Row
from zoo.errors import UsageError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def class_folders(root: Path) -> list[Path]:
    """The class subfolders of ``root``; a folder that cannot be a dataset is refused whole."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; expected DIR/<class>/<image> folders")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise UsageError(f"{root} has {len(classes)} class folder(s); an image classification "
                         "dataset needs at least two: DIR/<class>/<image>")
    return classes


def read_image_folder(root: Path) -> Iterator[Row]:
    """Rows ``{"image": Path, "label": class folder name}``, classes and files sorted; an
    unreadable image is a row with a ``problem``."""
    from PIL import Image, UnidentifiedImageError

    for folder in class_folders(root):
        images = sorted(p for p in folder.rglob("*")
                        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise UsageError(f"class folder {folder} holds no images "
                             f"({', '.join(sorted(IMAGE_SUFFIXES))})")
        for path in images:
            where = path.relative_to(root).as_posix()
            try:
                with Image.open(path):
                    pass
            except (UnidentifiedImageError, OSError) as exc:
                yield Row(where, problem=f"not a readable image: {exc}")
                continue
            yield Row(where, {"image": path, "label": folder.name})
