"""``zoo data``: labels and splits shown; bad rows, unknown columns and tasks exit 2 in one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zoo.cli.main import cli

from data_helpers import sentiment_rows, write_csv


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output
    return result.output


def test_shows_labels_split_sizes_and_counts(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(50))
    result = run("data", "classify", "--data", str(path), "--label-kind", "single")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "task classify (single labels)"
    assert "40 train / 5 validation / 5 test; labels: bad, good" in lines[1]
    assert lines[3].split() == ["INDEX", "LABEL", "TRAIN", "VALIDATION", "TEST"]
    assert [line.split()[:2] for line in lines[4:]] == [["0", "bad"], ["1", "good"]]
    assert sum(int(n) for line in lines[4:] for n in line.split()[2:]) == 50


def test_json_output(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(50))
    data = json.loads(run("data", "classify", "--data", str(path), "--label-kind", "single", "--json").output)
    assert data["labels"] == ["bad", "good"]
    assert data["splits"] == {"train": 40, "validation": 5, "test": 5}
    assert sum(data["label_counts"]["train"].values()) == 40
    assert len(data["sha256"]) == 64 and data["skipped_rows"] == 0


def test_bad_rows_exit_2_and_skip_bad_rows_counts_them(tmp_path: Path) -> None:
    rows = sentiment_rows(20)
    rows[3][1] = ""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    out = one_line_error(run("data", "classify", "--data", str(path), "--label-kind", "single"))
    assert "1 row(s) of" in out and "line 5 (empty label)" in out
    result = run("data", "classify", "--data", str(path), "--label-kind", "single",
                 "--skip-bad-rows", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["skipped_rows"] == 1
    assert result.stderr.startswith("zoo: warning: left out 1 bad row(s) of ")


def test_unknown_column_and_unknown_task_exit_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(20))
    out = one_line_error(run("data", "classify", "--data", str(path), "--label-kind", "single",
                             "--label-column", "stars"))
    assert "no column 'stars'" in out and "available columns: text, label" in out
    out = one_line_error(run("data", "topik"))
    assert "unknown task 'topik': did you mean 'topic'?" in out


def test_generic_task_without_data_exits_2() -> None:
    out = one_line_error(run("data", "classify", "--label-kind", "single"))
    assert "has no default dataset: give your own with --data PATH" in out


def test_label_kind_comes_from_the_task_head_and_a_plugin_can_add_a_reader(
        tmp_path: Path, make_plugin, monkeypatch) -> None:
    """A third-party head and reader, through the same hooks as the builtins."""
    make_plugin("zoo-tagging", '''
import zoo
from zoo.plugins.heads.token import TokenClassificationHead

class SpanHead(TokenClassificationHead):
    name = "span-tags"

class PsvReader(zoo.Reader):
    name = "psv"

    def accepts(self, path):
        return path.suffix == ".psv"

    def read(self, path, options):
        lines = path.read_text().splitlines()
        header = lines[0].split("|")
        for number, line in enumerate(lines[1:], start=2):
            yield zoo.Row(f"line {number}", dict(zip(header, line.split("|"))))

@zoo.hookimpl
def register_heads(register):
    register(SpanHead())

@zoo.hookimpl
def register_readers(register):
    register(PsvReader())
''')
    catalog = tmp_path / "zoo.toml"
    catalog.write_text('[tasks.spans]\nhead = "span-tags"\n')
    monkeypatch.setenv("ZOO_CATALOG", str(catalog))
    data = tmp_path / "d.psv"
    data.write_text("words|tags\n" + "".join(f"w{i} x|B O\n" for i in range(10)) + "bad|B O\n")
    out = one_line_error(run("data", "spans", "--data", str(data)))
    assert "line 12 (2 tags for 1 words)" in out
    result = run("data", "spans", "--data", str(data), "--skip-bad-rows", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["label_kind"], shown["labels"], shown["skipped_rows"]) == ("token", ["B", "O"], 1)


def test_a_head_that_is_not_installed_asks_for_label_kind(tmp_path: Path, monkeypatch) -> None:
    catalog = tmp_path / "zoo.toml"
    catalog.write_text('[tasks.ranks]\nhead = "ordinal-ranking"\n')
    monkeypatch.setenv("ZOO_CATALOG", str(catalog))
    out = one_line_error(run("data", "ranks"))
    assert "head 'ordinal-ranking' is not installed" in out and "pass --label-kind" in out


def test_builtin_heads_give_the_label_kind(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"text": f"t{i}", "labels": ["a", "b"][: i % 2 + 1]}) + "\n"
                            for i in range(10)))
    shown = json.loads(run("data", "multilabel", "--data", str(path), "--json").output)
    assert (shown["label_kind"], shown["labels"]) == ("multi", ["a", "b"])
    assert shown["label_counts"]["train"]["a"] == shown["splits"]["train"]


def _rows_with_bytes(n: int, bad_line: int, raw: bytes) -> bytes:
    """``text,label`` then ``n`` rows, file line ``bad_line`` holding ``raw`` undecoded."""
    lines = [b"text,label"] + [f"review number {i} of the film,{'good' if i % 2 else 'bad'}".encode()
                               for i in range(n)]
    lines[bad_line - 1] = raw
    return b"\n".join(lines) + b"\n"


def test_a_csv_or_jsonl_that_is_not_utf8_names_its_rows(tmp_path: Path) -> None:
    csv_path = tmp_path / "d.csv"
    csv_path.write_bytes(_rows_with_bytes(20, 4, b"caf\xe9 au lait,good"))
    jsonl_path = tmp_path / "d.jsonl"
    jsonl_path.write_bytes(b"".join(json.dumps({"text": f"t {i}", "label": i % 2}).encode() + b"\n"
                                    for i in range(20)) + b'{"text": "caf\xe9", "label": 1}\n')
    for path, line in ((csv_path, 4), (jsonl_path, 21)):
        out = one_line_error(run("data", "classify", "--data", str(path), "--label-kind", "single"))
        assert f"line {line} (not UTF-8 text (byte 0xe9); save the file as UTF-8)" in out
        skipped = run("data", "classify", "--data", str(path), "--label-kind", "single",
                      "--skip-bad-rows", "--json")
        assert skipped.exit_code == 0, skipped.output
        assert json.loads(skipped.stdout)["skipped_rows"] == 1
        assert f"left out 1 bad row(s) of {path}" in skipped.stderr
        assert f"line {line}: not UTF-8 text" in skipped.stderr


def test_a_csv_whose_header_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(_rows_with_bytes(20, 1, b"t\xe9xt,label"))
    out = one_line_error(run("data", "classify", "--data", str(path), "--label-kind", "single"))
    assert f"{path}: line 1, the header: not UTF-8 text (byte 0xe9)" in out


def test_a_csv_field_over_the_csv_modules_limit_is_read(tmp_path: Path) -> None:
    import csv

    rows = sentiment_rows(20)
    rows[5][0] = "long " * (csv.field_size_limit() // 4)  # over the module's default limit
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    result = run("data", "classify", "--data", str(path), "--label-kind", "single", "--json")
    assert result.exit_code == 0, result.output
    assert sum(json.loads(result.stdout)["splits"].values()) == 20
    assert csv.field_size_limit() == 131072  # the process's own limit is left as it was


def test_a_csv_field_over_zoos_bound_is_a_bad_row(tmp_path: Path) -> None:
    from zoo.plugins.readers.tabular import MAX_FIELD_CHARS

    rows = sentiment_rows(20)
    rows[5][0] = "x" * (MAX_FIELD_CHARS + 1)
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    out = one_line_error(run("data", "classify", "--data", str(path), "--label-kind", "single"))
    assert "line 7 (field larger than field limit" in out and "closing quote missing" in out


def _warnings(result) -> list[str]:
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith("zoo: warning: ") for line in lines), lines
    return lines


def test_a_label_column_that_mixes_numbers_and_names_is_warned_about(tmp_path: Path) -> None:
    labels = ["0", "1", "negative", "positive"]
    path = write_csv(tmp_path / "d.csv", ["text", "label"],
                     [[f"review number {i} of the film", labels[i % 4]] for i in range(40)])
    assert _warnings(run("data", "classify", "--data", str(path), "--label-kind", "single")) == [
        f"zoo: warning: the labels of {path} (csv) mix names and numbers (0, 1, negative, "
        "positive): is column 'label' one labelling? Map its values to one set of names"]


def test_json_booleans_among_string_labels_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"text": f"t {i}", "label": [True, False, "maybe"][i % 3]})
                            + "\n" for i in range(30)))
    lines = _warnings(run("data", "classify", "--data", str(path), "--label-kind", "single"))
    assert len(lines) == 1 and "mix booleans and names (false, maybe, true)" in lines[0]


def test_a_label_with_fewer_examples_than_splits_is_warned_about(tmp_path: Path) -> None:
    rows = sentiment_rows(40) + [["an odd one", "meh"], ["another odd one", "meh"]]
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    assert _warnings(run("data", "classify", "--data", str(path), "--label-kind", "single")) == [
        f"zoo: warning: 1 label(s) of {path} (csv) have fewer examples than the 3 splits, so "
        "some split has none of them: 'meh' (2); add examples or leave those labels out"]


def test_clean_data_gives_no_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], sentiment_rows(40))
    assert _warnings(run("data", "classify", "--data", str(path), "--label-kind", "single")) == []
    numbers = write_csv(tmp_path / "n.csv", ["text", "label"],
                        [[f"review number {i}", str(i % 3)] for i in range(40)])
    assert _warnings(run("data", "classify", "--data", str(numbers), "--label-kind", "single")) == []


STARS_PLUGIN = '''
import zoo
from zoo.data.label_formats import LabelFormat
from zoo.data.labels import BadValue
from zoo.plugins.heads.classification import ClassificationHead


class Stars(LabelFormat):
    """A rating written as stars ("***"), one class per count."""

    kind = "stars"

    def parse(self, value, *, words, separator):
        if not isinstance(value, str) or set(value) != {"*"} or len(value) > 5:
            raise BadValue(f"{value!r} is not 1 to 5 stars")
        return str(len(value))

    def names(self, label):
        return (label,)

    def encode(self, label, index):
        return index[label]

    def counted(self, encoded):
        return (encoded,)


class StarsHead(ClassificationHead):
    name = "stars"

    def label_format(self):
        return Stars()


@zoo.hookimpl
def register_heads(register):
    register(StarsHead())


@zoo.hookimpl
def register_tasks(register):
    register(zoo.Task(name="rating", head="stars", description="Stars from a review"))
'''


def test_a_third_party_head_brings_a_label_shape_of_its_own(tmp_path: Path, make_plugin) -> None:
    make_plugin("zoo-stars", STARS_PLUGIN)
    rows = [[f"review {i}", "*" * (1 + i % 3)] for i in range(30)] + [["odd", "**x"]]
    path = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    out = one_line_error(run("data", "rating", "--data", str(path)))
    assert "line 32 ('**x' is not 1 to 5 stars)" in out
    result = run("data", "rating", "--data", str(path), "--skip-bad-rows", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["label_kind"], shown["labels"]) == ("stars", ["1", "2", "3"])
    assert sum(sum(split.values()) for split in shown["label_counts"].values()) == 30

