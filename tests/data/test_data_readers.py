"""Every builtin reader on small files written here, and how ``--data`` picks one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import zoo
from zoo.data.formats import reader_for
from zoo.errors import UsageError

from data_helpers import write_csv


def reader(name: str) -> zoo.Reader:
    return zoo.get_zoo().readers.get(name)


def test_csv_rows_are_located_by_line_and_ragged_rows_reported(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"multi\nline",a\n\nshort\nplain,b\n', encoding="utf-8")
    rows = list(reader("csv").read(path, {}))
    assert [(r.where, dict(r.values), r.problem) for r in rows] == [
        ("line 3", {"text": "multi\nline", "label": "a"}, None),
        ("line 5", {}, "1 fields, the header has 2"),
        ("line 6", {"text": "plain", "label": "b"}, None),
    ]


def test_csv_reads_a_byte_order_mark_and_tsv_tabs(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufefftext,label\nhello,x\n".encode("utf-8"))
    assert list(reader("csv").read(bom, {}))[0].values == {"text": "hello", "label": "x"}
    tsv = write_csv(tmp_path / "d.tsv", ["text", "label"], [["a, b", "y"]], delimiter="\t")
    assert list(reader("tsv").read(tsv, {}))[0].values == {"text": "a, b", "label": "y"}


def test_empty_csv_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(UsageError, match="header row"):
        list(reader("csv").read(path, {}))


def test_jsonl_reports_invalid_json_and_non_objects(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": 1}\n\n{oops\n[1, 2]\n', encoding="utf-8")
    rows = list(reader("jsonl").read(path, {}))
    assert rows[0].where == "line 1" and rows[0].values == {"text": "a", "label": 1}
    assert rows[1].where == "line 3" and rows[1].problem.startswith("not valid JSON")
    assert rows[2].where == "line 4" and rows[2].problem == "a JSON list, not an object"


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": ["a", "b"], "label": [0, 1]}), path)
    rows = list(reader("parquet").read(path, {}))
    assert [(r.where, r.values) for r in rows] == [("row 1", {"text": "a", "label": 0}),
                                                   ("row 2", {"text": "b", "label": 1})]


def test_a_file_that_is_not_parquet_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_text("not parquet")
    with pytest.raises(UsageError, match="not a readable Parquet file"):
        list(reader("parquet").read(path, {}))


def test_text_folders_label_by_folder_and_fall_back_to_cp1252(tmp_path: Path) -> None:
    (tmp_path / "sport").mkdir()
    (tmp_path / "tech").mkdir()
    (tmp_path / "sport" / "1.txt").write_bytes("Cost \xa3100\n".encode("cp1252"))
    (tmp_path / "tech" / "1.txt").write_text("  Chips  \n", encoding="utf-8")
    (tmp_path / "tech" / "notes.md").write_text("not an article")
    rows = list(reader("text-folders").read(tmp_path, {}))
    assert [(r.where, r.values["text"], r.values["label"]) for r in rows] == [
        ("sport/1.txt", "Cost \u00a3100", "sport"), ("tech/1.txt", "Chips", "tech")]


def test_vader_valence_labels_by_sign_drops_zero_and_restores_quotes(tmp_path: Path) -> None:
    path = tmp_path / "truth.txt"
    path.write_bytes(b"1\t2.5\tA ''great'' film\r\n2\t-0.6\tDull\r\n3\t0.0\tA film\r\n"
                     b"4\tabc\tBroken\r\n5\t1.0\n6\t0.1\tLast")
    rows = list(reader("vader-valence").read(path, {}))
    assert [(r.where, r.values.get("text"), r.values.get("label"), r.problem) for r in rows] == [
        ("line 1", 'A "great" film', "positive", None),
        ("line 2", "Dull", "negative", None),
        ("line 4", None, None, "valence 'abc' is not a number"),
        ("line 5", None, None, "2 tab-separated fields, expected 3"),
        ("line 6", "Last", "positive", None),
    ]
    # The valence is the label's logit: 2.5 -> sigmoid(2.5), -0.6 -> sigmoid(0.6).
    sure = [round(r.values["confidence"], 4) for r in rows if not r.problem]
    assert sure == [0.9241, 0.6457, 0.525]


def test_datasets_directory_needs_the_datasets_package(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "state.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "datasets", None)  # as if it were not installed
    with pytest.raises(UsageError, match="pip install datasets"):
        list(reader("datasets").read(tmp_path, {}))


def test_datasets_dict_keeps_its_splits_and_class_label_names(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["neg", "pos"])})
    dd = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}, features=features),
        "test": datasets.Dataset.from_dict({"text": ["c"], "label": [1]}, features=features),
    })
    dd.save_to_disk(str(tmp_path / "dd"))
    assert reader("datasets").accepts(tmp_path / "dd")
    rows = list(reader("datasets").read(tmp_path / "dd", {}))
    assert [(r.where, r.values) for r in rows] == [
        ("train row 1", {"text": "a", "label": "neg", "split": "train"}),
        ("train row 2", {"text": "b", "label": "pos", "split": "train"}),
        ("test row 1", {"text": "c", "label": "pos", "split": "test"}),
    ]


@pytest.mark.parametrize("name, expected", [
    ("d.csv", "csv"), ("d.CSV", "csv"), ("d.tsv", "tsv"), ("d.jsonl", "jsonl"),
    ("d.ndjson", "jsonl"), ("d.parquet", "parquet")])
def test_data_path_picks_the_reader_by_extension(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("x")
    assert reader_for(path, zoo.get_zoo().readers.list()).name == expected


def test_data_directory_picks_the_reader_by_shape(tmp_path: Path) -> None:
    readers = zoo.get_zoo().readers.list()
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "dataset_dict.json").write_text("{}")
    (tmp_path / "folders" / "a").mkdir(parents=True)
    (tmp_path / "folders" / "a" / "1.txt").write_text("x")
    assert reader_for(tmp_path / "saved", readers).name == "datasets"
    assert reader_for(tmp_path / "folders", readers).name == "text-folders"


def test_data_path_missing_or_of_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    readers = zoo.get_zoo().readers.list()
    with pytest.raises(UsageError, match="no such file"):
        reader_for(tmp_path / "nope.csv", readers)
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(UsageError, match=r"not a format any reader \(csv, datasets, jsonl, "):
        reader_for(tmp_path / "d.xlsx", readers)


def test_datasets_token_tags_come_back_as_names(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    tags = datasets.ClassLabel(names=["O", "PER"])
    features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                  "tags": datasets.Sequence(tags)})
    datasets.Dataset.from_dict({"tokens": [["Ann", "sings"]], "tags": [[1, 0]]},
                               features=features).save_to_disk(str(tmp_path / "ds"))
    rows = list(reader("datasets").read(tmp_path / "ds", {}))
    assert [(r.where, r.values) for r in rows] == [
        ("row 1", {"tokens": ["Ann", "sings"], "tags": ["PER", "O"]})]
