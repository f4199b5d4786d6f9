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
    rows = list(PixelCsvReader().read(path, {"side": 2, "max_value": 16}))
    assert [(r.where, r.values["label"]) for r in rows] == [("line 1", "3"), ("line 2", "7")]
    image = rows[0].values["image"]
    assert image.mode == "L" and image.size == (2, 2)
    assert list(image.tobytes()) == [0, 255, 127, 63]


def test_a_row_of_the_wrong_width_is_a_bad_row_and_bad_options_are_refused(tmp_path):
    path = write_csv_gz(tmp_path / "d.csv.gz", [[0, 1, 2, 3, 1], [0, 1, 2], [0, 1, 2, "x", 4]])
    rows = list(PixelCsvReader().read(path, {"side": 2}))
    assert rows[0].problem is None
    assert (rows[1].where, rows[1].problem) == ("line 2", "3 columns, expected 4 pixels and a label (2x2 images)")
    assert rows[2].problem.startswith("not a number")
    with pytest.raises(UsageError, match="side"):
        PixelCsvReader().read(path, {"sides": 2})


def test_scikit_learn_digits_read_as_the_catalog_describes():
    import hashlib

    import sklearn

    entry = next(d for d in DATASETS if d.name == "digits")
    path = Path(sklearn.__file__).parent / "datasets" / "data" / entry.files[0].path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.files[0].sha256
    rows = list(PixelCsvReader().read(path, entry.options))
    assert len(rows) == entry.rows and not any(r.problem for r in rows)
    assert sorted({r.values["label"] for r in rows}) == [str(d) for d in range(10)]
    assert rows[0].values["image"].size == (8, 8)


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
    rows = list(reader.read(root, {}))
    assert [(r.where, r.values["label"]) for r in rows] == [
        ("cat/0.png", "cat"), ("cat/1.png", "cat"), ("dog/0.png", "dog"), ("dog/1.png", "dog"),
        ("dog/2.png", "dog")]
    assert rows[0].values["image"] == root / "cat" / "0.png"


@pytest.mark.parametrize("classes, message", [
    ({"cat": 2}, "needs at least two"),
    ({"cat": 2, "dog": 0}, "holds no images"),
])
def test_unusable_image_folders_are_refused(tmp_path, classes, message):
    with pytest.raises(UsageError, match=message):
        list(ImageFolderReader().read(make_folder(tmp_path / "pets", classes), {}))


def test_a_broken_image_is_a_bad_row(tmp_path):
    root = make_folder(tmp_path / "pets", {"cat": 1, "dog": 1})
    (root / "dog" / "broken.jpg").write_bytes(b"not a jpeg")
    rows = list(ImageFolderReader().read(root, {}))
    bad = [r for r in rows if r.problem]
    assert [r.where for r in bad] == ["dog/broken.jpg"] and "not a readable image" in bad[0].problem
    with pytest.raises(UsageError, match="not a directory"):
        list(ImageFolderReader().read(root / "cat" / "0.png", {}))
