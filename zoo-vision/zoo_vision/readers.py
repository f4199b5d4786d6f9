"""The readers zoo-vision registers: image folders and pixel-value CSVs.

Rows carry the image under ``image`` (a PIL image, or the path of an image file) and the
class under ``label``; ``text_columns`` points the data loader at ``image`` as the input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from zoo.components import Reader, Row
from zoo.errors import UsageError

from .image_folder import IMAGE_SUFFIXES, read_image_folder
from .pixel_csv import read_pixel_csv


class ImageFolderReader(Reader):
    name = "image-folder"
    description = "A folder with one subfolder of images per class (DIR/<class>/<image>)"
    text_columns: ClassVar[tuple[str, ...]] = ("image",)
    label_columns: ClassVar[tuple[str, ...]] = ("label",)

    def accepts(self, path: Path) -> bool:
        """``--data DIR`` is an image folder when a class subfolder directly holds an image."""
        if not path.is_dir():
            return False
        return any(f.suffix.lower() in IMAGE_SUFFIXES for d in path.iterdir() if d.is_dir()
                   for f in d.iterdir())

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        if options:
            raise UsageError(f"the image-folder reader takes no options, got {sorted(options)}")
        return read_image_folder(path)


class PixelCsvReader(Reader):
    name = "pixel-csv"
    description = "Images as CSV rows of side*side pixel values, label last (.csv or .csv.gz)"
    text_columns: ClassVar[tuple[str, ...]] = ("image",)
    label_columns: ClassVar[tuple[str, ...]] = ("label",)

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        options = dict(options)
        unknown = set(options) - {"side", "max_value"}
        if unknown or "side" not in options:
            raise UsageError("the pixel-csv reader takes options side (required) and max_value; "
                             f"got {sorted(options)}")
        return read_pixel_csv(path, int(options["side"]), float(options.get("max_value", 255)))


READERS = (ImageFolderReader(), PixelCsvReader())
