"""The catalog: the builtin zoo.toml, user overlays, and every error path naming file/entry/field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import zoo
from zoo import CatalogError
from zoo.catalog import COMMIT_RE, builtin_catalog_path, parse_catalog_text, entry_from_mapping

REQUIRED_BACKBONES = {
    "bert-base": "google-bert/bert-base-uncased",
    "bert-large": "google-bert/bert-large-uncased",
    "distilbert-base": "distilbert/distilbert-base-uncased",
    "roberta-base": "FacebookAI/roberta-base",
    "minilm-l6": "sentence-transformers/all-MiniLM-L6-v2",
    "minilm-l12": "sentence-transformers/all-MiniLM-L12-v2",
    "mpnet-base": "sentence-transformers/all-mpnet-base-v2",
    "electra-small": "google/electra-small-discriminator",
    "deberta-v3-small": "microsoft/deberta-v3-small",
}


def test_builtin_catalog_has_the_real_entries() -> None:
    z = zoo.get_zoo()
    for name, repo in REQUIRED_BACKBONES.items():
        entry = z.backbones.get(name)
        assert entry.repo == repo
        assert entry.license and entry.params > 0 and entry.domain == "text"
        assert entry.revision == "main" or COMMIT_RE.match(entry.revision)
        assert any(f.path == "config.json" for f in entry.files)
    assert z.tasks.get("sentiment").labels == ("negative", "positive")
    assert z.backbones.get("minilm-l6").pinned


def test_sentence_encoders_list_their_pooling_files() -> None:
    # Without sentence-transformers' files a mean-pooled encoder is read through its first
    # token, as it was not trained.
    encoders = [e for e in zoo.get_zoo().backbones if "sentence-embedding" in e.tags]
    assert {e.name for e in encoders} >= {"minilm-l6", "minilm-l12", "mpnet-base"}
    for entry in encoders:
        assert {"modules.json", "1_Pooling/config.json"} <= {f.path for f in entry.files}, entry.name
    mpnet = {f.path: f.sha256 for f in zoo.get_zoo().backbones.get("mpnet-base").files}
    assert mpnet["1_Pooling/config.json"] and mpnet["modules.json"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cwd_catalog_adds_and_overrides_field_by_field(tmp_path: Path) -> None:
    write(Path.cwd() / "zoo.toml", '''
[backbones.bert-base]
revision = "0123456789abcdef0123456789abcdef01234567"

[backbones.my-bert]
repo = "me/my-bert"
params = 5
''')
    z = zoo.get_zoo()
    bert = z.backbones.get("bert-base")
    assert bert.revision == "0123456789abcdef0123456789abcdef01234567"
    assert bert.repo == "google-bert/bert-base-uncased"  # untouched fields kept
    assert bert.origin == str(Path.cwd() / "zoo.toml")
    assert z.backbones.provider("bert-base").startswith("user catalog")
    assert z.backbones.get("my-bert").params == 5


def test_zoo_catalog_files_apply_in_order_after_cwd(tmp_path: Path, monkeypatch) -> None:
    write(Path.cwd() / "zoo.toml", '[backbones.x]\nrepo = "a/x"\nlicense = "cwd"\n')
    a = write(tmp_path / "a.toml", '[backbones.x]\nlicense = "a"\n')
    b = write(tmp_path / "b.toml", '[backbones.x]\nlicense = "b"\n[tasks.t]\ndataset = "movie-reviews"\n')
    monkeypatch.setenv("ZOO_CATALOG", f"{a}:{b}")
    z = zoo.get_zoo()
    assert z.backbones.get("x").license == "b"
    assert "t" in z.tasks


def test_missing_zoo_catalog_file(monkeypatch) -> None:
    monkeypatch.setenv("ZOO_CATALOG", "/nonexistent/zoo.toml")
    with pytest.raises(CatalogError, match="ZOO_CATALOG names '/nonexistent/zoo.toml', which is not a file"):
        zoo.get_zoo()


@pytest.mark.parametrize("text, message", [
    ('[backbones.x\nrepo = "a/b"', r"user\.toml: not valid TOML: .*line 1"),
    ('[models.x]\nrepo = "a/b"', r"user\.toml: unknown table \[models\]"),
    ('backbones = 3', r"user\.toml: \[backbones\] must hold tables"),
    ('[backbones]\nx = 3', r"user\.toml: backbones\.x: must be a table"),
    ('[backbones.x]\nrepo = "a/b"\n\nrevison = "main"',
     r"user\.toml:4: backbones\.x\.revison: unknown field; backbone fields are: repo, revision"),
    ('[backbones.x]\nrepo = "a/b"\nparams = "110M"', r"user\.toml:3: backbones\.x\.params: must be int, got str '110M'"),
    ('[backbones.x]\nrepo = "a/b"\nallow_pickle = 1', r"backbones\.x\.allow_pickle: must be bool"),
    ('[backbones.x]\nparams = 1', r"user\.toml:1: backbones\.x: missing required field\(s\): repo"),
    ('[backbones.Bad_Name]\nrepo = "a/b"', r"backbones\.Bad_Name: names are lowercase"),
    ('[backbones.x]\nrepo = "not a repo"', r"backbones\.x\.repo: not a Hub repo id"),
    ('[backbones.x]\nrepo = "a/b"\nrevision = ""', r"backbones\.x\.revision: must not be empty"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = "config.json"', r"backbones\.x\.files: must be a list"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = [{sha256 = "00"}]', r"backbones\.x\.files: each file needs a string 'path'"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = [{path = "m", sha256 = "abc"}]',
     r"backbones\.x\.files: sha256 of 'm' must be 64 lowercase hex digits"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = [{path = "m", md5 = "abc"}]', r"unknown key\(s\) \['md5'\] in file 'm'"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = [{path = "m", size = "1"}]', r"size of 'm' must be an integer"),
    ('[backbones.x]\nrepo = "a/b"\n[[backbones.x.sources]]\npath = "/d"',
     r"user\.toml:3: backbones\.x\.sources: each source needs a string 'type'"),
    ('[backbones.x]\nrepo = "a/b"\nsources = 1', r"backbones\.x\.sources: must be a list of tables"),
    ('[backbones.x]\nrepo = "a/b"\ntags = [1]', r"backbones\.x\.tags: must be a list of strings"),
    ('[backbones.x]\nrepo = "a/b"\nparams = -1', r"backbones\.x\.params: must not be negative"),
    ('[datasets.d]\nsplits = {train = 0.5, test = 0.4}', r"datasets\.d\.splits: fractions must add up to 1, they add up to 0\.9"),
    ('[datasets.d]\nsplits = {train = 2}', r"datasets\.d\.splits: must be a table of split name"),
    ('[datasets.d]\noptions = 1', r"datasets\.d\.options: must be a table"),
    ('[tasks.t]\nlabels = "a,b"', r"tasks\.t\.labels: must be a list of strings"),
])
def test_catalog_errors_name_file_entry_and_field(tmp_path: Path, monkeypatch, text: str, message: str) -> None:
    path = write(tmp_path / "user.toml", text)
    monkeypatch.setenv("ZOO_CATALOG", str(path))
    with pytest.raises(CatalogError, match=message) as info:
        zoo.get_zoo()
    assert str(path) in str(info.value)
    assert info.value.exit_code == 2


def test_builtin_catalog_round_trips_through_to_dict() -> None:
    """to_dict is what overlays merge onto, so it must rebuild the same entry."""
    rows = parse_catalog_text(builtin_catalog_path().read_text(), "zoo.toml")
    for table, name, data, where in rows:
        entry = entry_from_mapping(table, name, data, where)
        again = entry.to_dict()
        again.pop("name"), again.pop("origin")
        assert entry_from_mapping(table, name, again, where) == entry


def test_every_builtin_task_names_a_builtin_dataset() -> None:
    z = zoo.get_zoo()
    for task in z.tasks:
        if task.dataset:
            assert task.dataset in z.datasets, task.name


def test_builtin_files_hashes_are_wellformed() -> None:
    for backbone in zoo.get_zoo().backbones:
        for f in backbone.files:
            assert f.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", f.sha256)


ESCAPES = [  # (entry text, field, what the message says)
    ('[backbones.x]\nrepo = "a/b"\nfiles = ["../../x"]', "backbones.x.files",
     "'../../x' must not contain '..'"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = [{path = "a/../../x"}]', "backbones.x.files",
     "must not contain '..'"),
    ('[backbones.x]\nrepo = "a/b"\nfiles = ["/etc/passwd"]', "backbones.x.files",
     "'/etc/passwd' must be relative"),
    ('[datasets.d]\nfiles = ["C:/x"]', "datasets.d.files", "must be relative"),
    ('[datasets.d]\nfiles = ["a\\\\..\\\\x"]', "datasets.d.files", "no backslash"),
    ('[backbones.x]\nrepo = "a/.."', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = ".."', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = "a/b/c"', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = "-a/b"', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = "a/b."', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = "a--b/c"', "backbones.x.repo", "not a Hub repo id"),
    (f'[backbones.x]\nrepo = "a/{"b" * 97}"', "backbones.x.repo", "not a Hub repo id"),
    ('[backbones.x]\nrepo = "a/b"\nrevision = "../../../x"', "backbones.x.revision",
     "must not contain '..'"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "hub"\nrepo = "a/.."', "datasets.d.sources",
     "hub source: repo: not a Hub repo id"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "hub"\nrepo = "a/b"\nrepo_type = "../x"',
     "datasets.d.sources", "hub source: repo_type must be one of model, dataset, space"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "hub"\nrepo = "a/b"\nrevision = "/x"',
     "datasets.d.sources", "hub source: revision: '/x' must be relative"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "pypi"\npackage = "p==1"\npath = "../.."',
     "datasets.d.sources", "pypi source: path: '../..' must not contain '..'"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "pypi"\npackage = "p==1"\npath = "/root"',
     "datasets.d.sources", "pypi source: path: '/root' must be relative"),
    ('[datasets.d]\n[[datasets.d.sources]]\ntype = "pypi"\npackage = "p==1"\npath = "a/x.tar.gz!../y"',
     "datasets.d.sources", "pypi source: path: '../y' must not contain '..'"),
]


@pytest.mark.parametrize("text, field, message", ESCAPES)
def test_paths_and_repo_ids_that_leave_their_folder_are_refused_by_zoo_list(
        zoo_cli, text: str, field: str, message: str) -> None:
    catalog = write(Path.cwd() / "zoo.toml", text)
    result = zoo_cli("list")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert f"{catalog}:" in result.stderr and f"{field}: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("repo", ["bert-base-uncased", "org/name", "Org_1/a.b-c_d", "a/b", "_x/y_",
                                  f"{'a' * 96}/{'b' * 96}"])
def test_hub_repo_ids_the_hub_accepts_are_accepted(repo: str) -> None:
    from huggingface_hub.utils import validate_repo_id

    validate_repo_id(repo)  # the Hub's own rule agrees
    entry = entry_from_mapping("backbones", "x", {"repo": repo}, zoo.catalog.Where("t.toml"))
    assert entry.repo == repo


def test_repo_ids_zoo_refuses_the_hub_refuses_too() -> None:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    for text, field, _ in ESCAPES:
        if field == "backbones.x.repo":
            repo = text.split('"')[1]
            with pytest.raises(HFValidationError):
                validate_repo_id(repo)


@pytest.mark.parametrize("endpoint", ['"file:///etc"', '"ftp://mirror.example/hub"',
                                      '"huggingface.co"', '"https://"', '"http://[::1"', "3"])
def test_a_hub_endpoint_that_is_not_http_is_refused_naming_the_entry(zoo_cli, endpoint: str) -> None:
    catalog = write(Path.cwd() / "zoo.toml",
                    f'[backbones.x]\nrepo = "a/b"\n[[backbones.x.sources]]\ntype = "hub"\n'
                    f'endpoint = {endpoint}\n')
    result = zoo_cli("list")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert f"{catalog}:" in result.stderr and "backbones.x.sources: hub source: endpoint" in result.stderr
    assert 'write an http(s) URL such as endpoint = "https://huggingface.co"' in result.stderr


@pytest.mark.parametrize("endpoint", ["https://hub.example.org", "http://127.0.0.1:8080/"])
def test_an_http_hub_endpoint_is_accepted(zoo_cli, endpoint: str) -> None:
    write(Path.cwd() / "zoo.toml",
          f'[backbones.x]\nrepo = "a/b"\n[[backbones.x.sources]]\ntype = "hub"\nendpoint = "{endpoint}"\n')
    result = zoo_cli("list")
    assert result.exit_code == 0, result.output
