"""load_task_data on the user's own data: labels, bad rows, columns, splits, provenance."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import zoo
from zoo.catalog import Task
from zoo.data import Example, load_task_data
from zoo.errors import NotFoundError, UsageError

from data_helpers import sentiment_rows, write_csv, write_jsonl

#: The text domain checks each input is a non-blank string.
TEXT = zoo.get_zoo().domains.get("text")


def all_examples(td) -> list[Example]:
    return td.train + td.validation + td.test


def test_labels_are_inferred_sorted_and_encoded(tmp_path: Path, classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(20))
    td = load_task_data(classify, zoo.get_zoo(), data=path)
    assert td.labels == ("bad", "good")
    by_text = {ex.input: ex.label for ex in all_examples(td)}
    assert by_text["review number 3 of the film"] == td.labels.index("good")
    assert by_text["review number 4 of the film"] == td.labels.index("bad")
    assert "labels: bad, good" in td.description


def test_numeric_labels_sort_numerically_whatever_their_type(tmp_path: Path, classify: Task) -> None:
    labels = [10, "2", 2.0, 1, " 10 "]
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": f"t{i}", "label": v} for i, v in enumerate(labels)])
    td = load_task_data(classify, zoo.get_zoo(), data=path)
    assert td.labels == ("1", "2", "10")
    assert sorted(ex.label for ex in all_examples(td)) == [0, 1, 1, 2, 2]


def test_a_task_with_labels_keeps_its_order_and_refuses_unknown_ones(tmp_path: Path) -> None:
    sentiment = zoo.get_zoo().tasks.get("sentiment")
    rows = [["fine", "positive"], ["awful", "negative"], ["meh", "neutral"], ["ok", "positive"]]
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    with pytest.raises(UsageError, match=r"knows the labels negative, positive; the data also has 'neutral'"):
        load_task_data(sentiment, zoo.get_zoo(), data=path)
    ok = write_csv(tmp_path / "ok.csv", ["text", "label"], rows[:2] + rows[3:])
    td = load_task_data(sentiment, zoo.get_zoo(), data=ok)
    assert td.labels == ("negative", "positive")


def test_bad_rows_are_reported_with_their_lines_and_stop_the_run(tmp_path: Path, classify: Task) -> None:
    rows = sentiment_rows(10)
    rows[2][0] = "   "   # line 4: empty text
    rows[5][1] = ""      # line 7: missing label
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    with pytest.raises(UsageError) as err:
        load_task_data(classify, zoo.get_zoo(), data=path, domain=TEXT)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"2 row(s) of {path} (csv) cannot be used: line 4 (empty text), "
                              "line 7 (empty label); ")
    assert "--skip-bad-rows" in message


def test_only_the_first_ten_bad_rows_are_named(tmp_path: Path, classify: Task) -> None:
    records = ([{"text": "", "label": "a"} for _ in range(13)]
               + [{"text": f"t{i}", "label": "a"} for i in range(5)])
    with pytest.raises(UsageError) as err:
        load_task_data(classify, zoo.get_zoo(), data=write_jsonl(tmp_path / "d.jsonl", records), domain=TEXT)
    message = str(err.value)
    assert message.startswith("13 row(s)")
    assert "line 10 (empty text)" in message and "line 11" not in message
    assert "and 3 more" in message


def test_wrong_types_are_bad_rows(tmp_path: Path, classify: Task) -> None:
    records = [{"text": 5, "label": "a"}, {"text": "ok", "label": ["a"]}, {"label": "a"},
               {"text": "fine", "label": "b"}]
    with pytest.raises(UsageError) as err:
        load_task_data(classify, zoo.get_zoo(), data=write_jsonl(tmp_path / "d.jsonl", records), domain=TEXT)
    assert ("line 1 (text is a int, expected a string), line 2 (label is a list, expected a string "
            "or a number), line 3 (missing text)") in str(err.value)


def test_skip_bad_rows_drops_them_and_reports_the_count(tmp_path: Path, classify: Task,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    rows = sentiment_rows(30)
    rows[0][0] = ""
    rows[1][1] = ""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    with caplog.at_level(logging.WARNING, logger="zoo.data"):
        td = load_task_data(classify, zoo.get_zoo(), data=path, skip_bad_rows=True)
    assert td.skipped_rows == 2
    assert len(all_examples(td)) == 28
    assert "2 bad row(s) left out" in td.description
    assert "left out 2 bad row(s)" in caplog.text


def test_unknown_column_names_the_column_and_lists_the_available_ones(tmp_path: Path,
                                                                      classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["review", "stars"], sentiment_rows(5))
    with pytest.raises(UsageError, match=r"no column 'body' in .*; available columns: review, stars"):
        load_task_data(classify, zoo.get_zoo(), data=path, text_column="body", label_column="stars")
    with pytest.raises(UsageError, match=r"no text column found .*available columns: review, stars; "
                                         r"name one with --text-column"):
        load_task_data(classify, zoo.get_zoo(), data=path)
    td = load_task_data(classify, zoo.get_zoo(), data=path, text_column="review", label_column="stars")
    assert td.labels == ("bad", "good")


def test_unknown_task_is_a_not_found_error_with_a_suggestion() -> None:
    with pytest.raises(NotFoundError, match=r"unknown task 'sentimnet': did you mean 'sentiment'\?"):
        zoo.get_zoo().tasks.get("sentimnet")


def test_a_task_without_a_dataset_needs_data(classify: Task) -> None:
    with pytest.raises(UsageError, match=r"task 'classify' has no default dataset: give your own"):
        load_task_data(classify, zoo.get_zoo())


def test_unknown_label_kind_is_refused(tmp_path: Path, classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(5))
    with pytest.raises(UsageError, match="unknown label kind 'ordinal'"):
        load_task_data(classify, zoo.get_zoo(), data=path, label_kind="ordinal")


def test_multi_label_rows_become_multi_hot_over_sorted_labels(tmp_path: Path) -> None:
    records = [{"text": "a", "labels": ["sport", "money"]}, {"text": "b", "labels": "tech"},
               {"text": "c", "labels": []}, {"text": "d", "labels": "money, tech"}]
    td = load_task_data(zoo.get_zoo().tasks.get("multilabel"), zoo.get_zoo(),
                        data=write_jsonl(tmp_path / "d.jsonl", records), label_kind="multi")
    assert td.labels == ("money", "sport", "tech")
    assert {ex.input: ex.label for ex in all_examples(td)} == {
        "a": (1, 1, 0), "b": (0, 0, 1), "c": (0, 0, 0), "d": (1, 0, 1)}


def test_regression_labels_are_floats_and_have_no_names(tmp_path: Path) -> None:
    rows = [["a", "1.5"], ["b", "-2"], ["c", "nan"], ["d", "x"], ["e", "3"]]
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    regress = zoo.get_zoo().tasks.get("regress")
    with pytest.raises(UsageError, match=r"line 4 \(label 'nan' is not a finite number\), "
                                         r"line 5 \(label 'x' is not a number\)"):
        load_task_data(regress, zoo.get_zoo(), data=path, label_kind="regression")
    td = load_task_data(regress, zoo.get_zoo(), data=path, label_kind="regression", skip_bad_rows=True)
    assert td.labels == ()
    assert sorted(ex.label for ex in all_examples(td)) == [-2.0, 1.5, 3.0]


def test_token_rows_take_words_and_one_tag_per_word(tmp_path: Path) -> None:
    records = [{"tokens": ["Paris", "is", "big"], "tags": ["LOC", "O", "O"]},
               {"tokens": "Ann sings", "tags": "PER O"},
               {"tokens": ["Bob", "runs"], "tags": ["PER"]},
               {"tokens": ["x"], "tags": ["O"]}]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    tag = zoo.get_zoo().tasks.get("tag")
    with pytest.raises(UsageError, match=r"line 3 \(1 tags for 2 words\)"):
        load_task_data(tag, zoo.get_zoo(), data=path, label_kind="token")
    td = load_task_data(tag, zoo.get_zoo(), data=path, label_kind="token", skip_bad_rows=True)
    assert td.labels == ("LOC", "O", "PER")
    got = {tuple(ex.input): ex.label for ex in all_examples(td)}
    assert got[("Paris", "is", "big")] == (0, 1, 1)
    assert got[("Ann", "sings")] == (2, 1)


def test_default_split_is_80_10_10_disjoint_and_complete(tmp_path: Path, classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(200))
    td = load_task_data(classify, zoo.get_zoo(), data=path)
    assert (len(td.train), len(td.validation), len(td.test)) == (160, 20, 20)
    texts = [{ex.input for ex in split} for split in (td.train, td.validation, td.test)]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    assert set.union(*texts) == {row[0] for row in sentiment_rows(200)}


def test_split_is_deterministic_independent_of_row_order_and_keyed_by_seed(tmp_path: Path,
                                                                           classify: Task) -> None:
    rows = sentiment_rows(100)
    a = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "a.csv", ["text", "label"], rows))
    again = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "a2.csv", ["text", "label"], rows))
    shuffled = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "b.csv", ["text", "label"], rows[::-1]))
    other_seed = load_task_data(classify, zoo.get_zoo(), data=tmp_path / "a.csv", seed=1)
    assert (a.train, a.validation, a.test) == (again.train, again.validation, again.test)
    assert {ex.input for ex in a.test} == {ex.input for ex in shuffled.test}
    assert {ex.input for ex in a.test} != {ex.input for ex in other_seed.test}
    assert a.sha256 == again.sha256 != other_seed.sha256
    assert "split by seed 1" in other_seed.description


def test_split_column_is_used_and_a_missing_validation_split_is_carved_from_train(
        tmp_path: Path, classify: Task) -> None:
    rows = [[*row, "test" if i < 10 else "train"] for i, row in enumerate(sentiment_rows(100))]
    td = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "d.csv", ["text", "label", "split"], rows))
    assert {ex.input for ex in td.test} == {row[0] for row in rows[:10]}
    assert (len(td.train), len(td.validation)) == (80, 10)


def test_unknown_split_value_is_a_bad_row(tmp_path: Path, classify: Task) -> None:
    rows = [["a", "x", "train"], ["b", "y", "holdout"], ["c", "x", "dev"], ["d", "y", "test"]]
    with pytest.raises(UsageError, match=r"line 3 \(split 'holdout' is not train, validation or test\)"):
        load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "d.csv", ["text", "label", "split"], rows))


def test_sha256_follows_the_data(tmp_path: Path, classify: Task) -> None:
    rows = sentiment_rows(20)
    a = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "a.csv", ["text", "label"], rows))
    rows[0][1] = "good" if rows[0][1] == "bad" else "bad"
    b = load_task_data(classify, zoo.get_zoo(), data=write_csv(tmp_path / "b.csv", ["text", "label"], rows))
    assert len(a.sha256) == 64 and a.sha256 != b.sha256


def test_too_little_data_to_split_is_a_usage_error(tmp_path: Path, classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(2))
    with pytest.raises(UsageError, match="only 2 usable example"):
        load_task_data(classify, zoo.get_zoo(), data=path)


def test_datasets_directory_through_load_task_data(tmp_path: Path, classify: Task) -> None:
    datasets = pytest.importorskip("datasets")
    dd = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(40)], "label": ["a", "b"] * 20}),
        "validation": datasets.Dataset.from_dict({"text": ["v1", "v2"], "label": ["a", "b"]}),
        "test": datasets.Dataset.from_dict({"text": ["s1"], "label": ["b"]}),
    })
    dd.save_to_disk(str(tmp_path / "dd"))
    td = load_task_data(classify, zoo.get_zoo(), data=tmp_path / "dd")
    assert [ex.input for ex in td.validation] == ["v1", "v2"]
    assert td.test == [Example("s1", 1)]
    assert len(td.train) == 40


def test_data_with_no_rows_or_no_parseable_row_says_so(tmp_path: Path, classify: Task) -> None:
    header_only = tmp_path / "d.csv"
    header_only.write_text("text,label\n")
    with pytest.raises(UsageError, match=r"d.csv \(csv\) holds no rows"):
        load_task_data(classify, zoo.get_zoo(), data=header_only)
    garbage = tmp_path / "d.jsonl"
    garbage.write_text("{oops\n[1]\n")
    with pytest.raises(UsageError, match=r"2 row\(s\) of .* line 1 \(not valid JSON.*no row is left"):
        load_task_data(classify, zoo.get_zoo(), data=garbage, skip_bad_rows=True)


def test_a_confidence_column_is_read_digested_and_described(tmp_path: Path, classify: Task) -> None:
    rows = [[text, label, f"{0.5 + i / 100:.2f}"]
            for i, (text, label) in enumerate(sentiment_rows(40))]
    path = write_csv(tmp_path / "d.csv", ["text", "label", "sure"], rows)
    td = load_task_data(classify, zoo.get_zoo(), data=path, confidence_column="sure")
    sure = {text: float(c) for text, _, c in rows}
    assert all(ex.confidence == sure[ex.input] for ex in all_examples(td))
    assert "label confidence from column 'sure'" in td.description
    plain = load_task_data(classify, zoo.get_zoo(), data=path)
    assert all(ex.confidence is None for ex in all_examples(plain))
    assert [ex.input for ex in plain.test] == [ex.input for ex in td.test]
    assert plain.sha256 != td.sha256  # what the run trains towards changed


def test_a_confidence_outside_0_1_or_not_a_number_is_a_bad_row(tmp_path: Path,
                                                                classify: Task) -> None:
    rows = [[text, label, "0.9"] for text, label in sentiment_rows(10)]
    rows[1][2] = "1.5"  # line 3
    rows[4][2] = "sure"  # line 6
    rows[6][2] = "0"  # line 8
    path = write_csv(tmp_path / "d.csv", ["text", "label", "c"], rows)
    with pytest.raises(UsageError, match=r"3 row\(s\) .* line 3 \(confidence '1.5' is outside "
                                         r"\(0, 1\]\), line 6 \(confidence 'sure' is not a "
                                         r"number\), line 8 \(confidence '0' is outside"):
        load_task_data(classify, zoo.get_zoo(), data=path, confidence_column="c")


def test_a_confidence_column_needs_single_labels_and_an_existing_column(tmp_path: Path,
                                                                       classify: Task) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label", "c"],
                     [[t, lbl, "0.9"] for t, lbl in sentiment_rows(10)])
    with pytest.raises(UsageError, match="applies to single-label classification; these labels "
                                         "are multi"):
        load_task_data(classify, zoo.get_zoo(), data=path, label_kind="multi", confidence_column="c")
    with pytest.raises(UsageError, match="no column 'sure' in .*available columns: text, label, c"):
        load_task_data(classify, zoo.get_zoo(), data=path, confidence_column="sure")
