"""Fixtures for people who test zoo plugins, loaded by pytest through zoo's ``pytest11`` entry point.

Everyone with zoo installed gets this module at pytest start-up, so it must cost nothing and
change nothing until a test asks: no autouse fixture, and no torch, transformers or click runner
imported before a fixture that needs them runs.

- ``zoo_env``: an isolated, offline zoo (its own ZOO_HOME, HF_HOME and working directory).
- ``zoo_plugin_names`` / ``zoo_registry``: a zoo holding only the plugins under test plus the
  builtins, loaded strictly so that a broken plugin fails the test with its own error.
- ``tiny_backbone``: a tiny BERT on disk with a catalog entry, so pull / resolve / adapt run offline.
- ``zoo_cli``: run a zoo command in-process (click's runner) or as the installed script.
- ``hub_server``: a loopback server speaking the Hugging Face Hub protocol.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from zoo.app import Zoo, get_zoo, reset_zoo
from zoo.catalog import Backbone
from zoo.integrity import sha256_file

if TYPE_CHECKING:
    from zoo.testing.hubserver import HubServer, Repos

__all__ = ["CliResult", "TinyBackbone", "ZooCli", "ZooEnv", "build_tiny_bert"]

INI_PLUGINS = "zoo_plugins"
MARKER = "zoo_plugins"

#: Variables through which the developer's own zoo or Hub settings would leak into a test.
LEAKY_ENV = ("ZOO_CATALOG", "ZOO_PLUGINS", "ZOO_STRICT_PLUGINS", "ZOO_TRACE_PLUGINS", "ZOO_DEBUG",
             "ZOO_PYPI_DOWNLOADS", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_CACHE")
OFFLINE_ENV = ("HF_HUB_OFFLINE", "ZOO_OFFLINE")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_PLUGINS, "entry-point names of the zoo plugins under test: zoo_registry "
                  "loads only these, plus zoo's builtins", type="args", default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*names): the zoo plugins zoo_registry loads for "
                            "this test (overrides the zoo_plugins ini option)")


@dataclass
class ZooEnv:
    """Where an isolated zoo keeps things; ``catalog`` is the user catalog that ``add_catalog``
    creates and names in ``ZOO_CATALOG`` (until then there is none)."""

    root: Path
    home: Path
    hf_home: Path
    cwd: Path
    catalog: Path
    monkeypatch: pytest.MonkeyPatch

    def add_catalog(self, toml: str) -> Path:
        """Append entries to the user catalog (TOML text) and rebuild the zoo so it sees them."""
        self.monkeypatch.setenv("ZOO_CATALOG", str(self.catalog))
        with self.catalog.open("a", encoding="utf-8") as out:
            out.write(toml.rstrip("\n") + "\n")
        reset_zoo()
        return self.catalog

    def go_online(self) -> None:
        """Let sources use the network (the Hub at HF_ENDPOINT, PyPI): zoo_env starts offline."""
        for var in OFFLINE_ENV:
            self.monkeypatch.delenv(var, raising=False)


@pytest.fixture
def zoo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZooEnv]:
    """An isolated zoo: fresh ZOO_HOME and HF_HOME, no user catalog, no plugin filter,
    offline (HF_HUB_OFFLINE=1, ZOO_OFFLINE=1), cwd in an empty directory; ``get_zoo()`` is
    rebuilt before and after, so nothing from the developer's machine or another test leaks in."""
    root = tmp_path / "zoo-env"
    env = ZooEnv(root, root / "zoo-home", root / "hf-home", root / "work", root / "catalog.toml",
                 monkeypatch)
    for folder in (env.home, env.hf_home, env.cwd):
        folder.mkdir(parents=True)
    for var in LEAKY_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ZOO_HOME", str(env.home))
    monkeypatch.setenv("HF_HOME", str(env.hf_home))
    for var in OFFLINE_ENV:
        monkeypatch.setenv(var, "1")
    monkeypatch.chdir(env.cwd)
    reset_zoo()
    yield env
    reset_zoo()


@pytest.fixture
def zoo_plugin_names(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The entry-point names of the plugins under test: the ``zoo_plugins`` marker's arguments,
    else the ``zoo_plugins`` ini option. Override this fixture to choose them in code."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        return tuple(marker.args)
    return tuple(request.config.getini(INI_PLUGINS))


@pytest.fixture
def zoo_registry(zoo_env: ZooEnv, zoo_plugin_names: tuple[str, ...]) -> Zoo:
    """A zoo holding only the plugins under test plus the builtins (ZOO_PLUGINS), loaded strictly
    (ZOO_STRICT_PLUGINS=1): a plugin that fails to load fails the test with its own error, and a
    name that no installed distribution provides fails it too, instead of testing nothing."""
    zoo_env.monkeypatch.setenv("ZOO_PLUGINS", ",".join(zoo_plugin_names))
    zoo_env.monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    reset_zoo()
    zoo = get_zoo()
    loaded = {info.name for info in zoo.plugins}
    missing = [name for name in zoo_plugin_names if name not in loaded]
    if missing:
        pytest.fail(f"zoo_plugins names {', '.join(missing)}, but no installed distribution has "
                    "that entry point in group 'zoo' (is the plugin installed, e.g. pip install -e .?)",
                    pytrace=False)
    return zoo


# -- a tiny backbone -------------------------------------------------------------------------

TINY_VOCAB = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz",
              "the", "is", "was", "good", "bad", "great", "awful", "movie", "film", "it",
              "not", "very", "fun", "boring", "plot", "acting", "love", "hate", "##s", "##ing",
              "##ed", "##ly", ".", ",", "!", "?")


@dataclass(frozen=True)
class TinyBackbone:
    """A tiny BERT (and its tokenizer) in ``path``, listed in the catalog as ``name``."""

    name: str
    path: Path
    entry: Backbone


def build_tiny_bert(folder: Path) -> Path:
    """Save a 2-layer, hidden-32 BERT with a WordPiece tokenizer (safetensors) into ``folder``.

    Built from a config with a fixed seed, offline, in about a second; weights are random,
    which is what tests of plumbing want."""
    import torch
    from transformers import BertConfig, BertModel
    from transformers import BertTokenizerFast  # type: ignore[attr-defined]  # an alias in 5.x, undeclared

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
    # transformers 5 takes the vocabulary as ``vocab`` and silently ignores 4.x's ``vocab_file``.
    takes = "vocab" if "vocab" in inspect.signature(BertTokenizerFast.__init__).parameters else "vocab_file"
    tokenizer = BertTokenizerFast(**{takes: str(vocab)}, do_lower_case=True)
    if len(tokenizer) != len(TINY_VOCAB):
        raise RuntimeError(f"BertTokenizerFast built {len(tokenizer)} tokens from {vocab}, "
                           f"not {len(TINY_VOCAB)}: its constructor changed")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(TINY_VOCAB), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=37, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def _zoo_tiny_bert_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once a session; each test gets its own copy."""
    return build_tiny_bert(tmp_path_factory.mktemp("zoo-tiny-bert") / "tiny-bert")


@pytest.fixture
def tiny_backbone(zoo_env: ZooEnv, _zoo_tiny_bert_files: Path) -> TinyBackbone:
    """A tiny BERT in a folder of its own, listed in the test's catalog as ``tiny-bert`` (domain
    ``text``) with a ``local`` source and every file's sha256: ``zoo pull tiny-bert``, resolve
    and ``zoo adapt tiny-bert`` work on it offline."""
    path = zoo_env.root / "tiny-bert"
    shutil.copytree(_zoo_tiny_bert_files, path)
    files = sorted(p for p in path.rglob("*") if p.is_file())
    listed = ",\n".join(f'  {{ path = "{p.relative_to(path).as_posix()}", sha256 = "{sha256_file(p)}" }}'
                        for p in files)
    params = _parameter_count(path / "model.safetensors")
    zoo_env.add_catalog(f"""
[backbones.tiny-bert]
repo = "zoo-testing/tiny-bert"
revision = "main"
domain = "text"
architecture = "BertModel"
params = {params}
license = "apache-2.0"
description = "A 2-layer, hidden-32 BERT with random weights, for tests"
files = [
{listed},
]
sources = [{{ type = "local", path = "{path.as_posix()}" }}]
""")
    return TinyBackbone("tiny-bert", path, get_zoo().backbones.get("tiny-bert"))


def _parameter_count(weights: Path) -> int:
    from safetensors import safe_open

    total = 0
    with safe_open(str(weights), framework="numpy") as f:
        for key in f.keys():
            count = 1
            for dim in f.get_slice(key).get_shape():
                count *= dim
            total += count
    return total


# -- the command line ------------------------------------------------------------------------

@dataclass(frozen=True)
class CliResult:
    """What a zoo command did: ``output`` is stdout and stderr together, as a user saw them."""

    exit_code: int
    output: str
    stdout: str
    stderr: str


ZooCli = Callable[..., CliResult]


@pytest.fixture
def zoo_cli(zoo_env: ZooEnv) -> ZooCli:
    """``zoo_cli("list", "--json")`` runs a zoo command in-process through click's CliRunner
    (fast; the zoo is rebuilt first, as a new process would); ``installed=True`` runs the
    installed ``zoo`` script in a subprocess instead (slower; what a user's shell runs)."""

    def run(*args: str, installed: bool = False, input: str | None = None,
            env: dict[str, str] | None = None) -> CliResult:
        if installed:
            return _run_script(list(args), input, env)
        from click.testing import CliRunner

        from zoo.cli.main import cli

        reset_zoo()
        result = CliRunner(env=env).invoke(cli, list(args), input=input, prog_name="zoo")
        return CliResult(result.exit_code, result.output, result.stdout, result.stderr)

    return run


def _run_script(args: list[str], input: str | None, env: dict[str, str] | None) -> CliResult:
    script = Path(sys.executable).with_name("zoo")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "zoo.cli.main"]
    done = subprocess.run([*command, *args], input=input, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)
    return CliResult(done.returncode, done.stdout + done.stderr, done.stdout, done.stderr)


# -- the Hub on loopback ---------------------------------------------------------------------

@pytest.fixture
def hub_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Repos], HubServer]]:
    """``hub_server({repo: {revision: {path: bytes}}})`` starts a loopback Hub, points HF_ENDPOINT
    at it and lifts HF_HUB_OFFLINE / ZOO_OFFLINE; every server is closed when the test ends.
    Uploads take the LFS protocol the server speaks, not Xet (HF_HUB_DISABLE_XET). A
    huggingface_hub already imported read both settings at import: its constants follow."""
    from zoo.testing.hubserver import HubServer

    servers: list[HubServer] = []

    def start(repos: Repos) -> HubServer:
        server = HubServer(repos)
        servers.append(server)
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
        if "huggingface_hub.constants" in sys.modules:
            constants = sys.modules["huggingface_hub.constants"]
            monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
            monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        for var in OFFLINE_ENV:
            monkeypatch.delenv(var, raising=False)
        return server

    yield start
    for server in servers:
        server.close()
