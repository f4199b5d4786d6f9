"""The image readers: pixel-value CSVs (digits, MNIST) and folders of class subfolders."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from zoo.errors import UsageError
from zoo_vision.entries import DATASETS
from zoo_vision.readers import ImageFolderReader, PixelCsvReader


def write_csv_gz(path: Path, rows: list[list[int]]) -> Path:
    with gzip.open(path, "wt") as handle:
        handle.writelines(",".join(map(str, row)) + "\n" for row in rows)
    return path


def test_pixel_rows_become_scaled_grey_images(tmp_path):
    path = write_csv_gz(tmp_path / "d.csv.gz", [[0, 16, 8, 4, 3], [16, 16, 16, 16, 7]])
    rows = PixelCsvReader().read(path, {"side": 2, "max_value": 16})
    assert [r["label"] for r in rows] == ["3", "7"]
    assert rows[0]["image"].mode == "L" and rows[0]["image"].size == (2, 2)
    assert list(rows[0]["image"].tobytes()) == [0, 255, 127, 63]


def test_a_row_of_the_wrong_width_is_named(tmp_path):
    path = write_csv_gz(tmp_path / "d.csv.gz", [[0, 1, 2, 3, 1], [0, 1, 2]])
    with pytest.raises(UsageError, match=r"d.csv.gz:2: 3 columns"):
        PixelCsvReader().read(path, {"side": 2})
    with pytest.raises(UsageError, match="side"):
        PixelCsvReader().read(path, {"sides": 2})


def test_scikit_learn_digits_read_as_the_catalog_describes():
    import hashlib

    import sklearn

    entry = next(d for d in DATASETS if d.name == "digits")
    path = Path(sklearn.__file__).parent / "datasets" / "data" / entry.files[0].path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.files[0].sha256
    rows = PixelCsvReader().read(path, entry.options)
    assert len(rows) == entry.rows
    assert sorted({r["label"] for r in rows}) == [str(d) for d in range(10)]
    assert rows[0]["image"].size == (8, 8)


def make_folder(root: Path, classes: dict[str, int]) -> Path:
    from PIL import Image

    for name, count in classes.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (12, 10), (i * 40, 0, 0)).save(root / name / f"{i}.png")
    return root


def test_image_folder_rows_are_paths_labelled_by_subfolder(tmp_path):
    root = make_folder(tmp_path / "pets", {"cat": 2, "dog": 3})
    (root / "dog" / "notes.txt").write_text("not an image, and ignored by suffix")
    reader = ImageFolderReader()
    assert reader.accepts(root) and not reader.accepts(root / "cat") and not reader.accepts(root / "x")
    rows = reader.read(root)
    assert [(r["image"].name, r["label"]) for r in rows] == [
        ("0.png", "cat"), ("1.png", "cat"), ("0.png", "dog"), ("1.png", "dog"), ("2.png", "dog")]


@pytest.mark.parametrize("classes, message", [
    ({"cat": 2}, "needs at least two"),
    ({"cat": 2, "dog": 0}, "holds no images"),
])
def test_unusable_image_folders_are_refused(tmp_path, classes, message):
    with pytest.raises(UsageError, match=message):
        ImageFolderReader().read(make_folder(tmp_path / "pets", classes))


def test_a_broken_image_is_named(tmp_path):
    root = make_folder(tmp_path / "pets", {"cat": 1, "dog": 1})
    (root / "dog" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(UsageError, match="broken.jpg is not a readable image"):
        ImageFolderReader().read(root)
    with pytest.raises(UsageError, match="not a directory"):
        ImageFolderReader().read(root / "cat" / "0.png")
