"""A zoo.toml or zoo.lock zoo cannot read is one line naming the file and the fix, exit 2."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from zoo.cli.main import cli


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output
    return result.output


def test_a_catalog_that_is_not_utf8_names_its_line(zoo_env) -> None:
    (zoo_env.cwd / "zoo.toml").write_bytes(b'[tasks.t]\ndescription = "caf\xe9"\n')
    result = CliRunner().invoke(cli, ["list"])
    one_line_error(result, f"{zoo_env.cwd / 'zoo.toml'}:2: not UTF-8 text (byte 0xe9)",
                   "save the file as UTF-8")


@pytest.mark.parametrize("text, where", [
    (b"backbones = 3\n", "backbones must be a table"),
    (b'[backbones.minilm-l6]\nhub = 1\n', "backbones.minilm-l6.hub must be a table with revision"),
    (b'[backbones.minilm-l6.hub]\nrevision = "main"\nfiles = "config.json"\n',
     "backbones.minilm-l6.hub.files must be a table of path = sha256"),
    (b'[backbones.minilm-l6.hub]\nrevision = 5\n', "backbones.minilm-l6.hub.revision must be a string"),
    (b'[backbones.minilm-l6.hub]\nrevision = "caf\xe9"\n', "not a zoo lock file"),
])
def test_a_lock_file_of_the_wrong_shape_is_one_line(zoo_env, text: bytes, where: str) -> None:
    zoo_env.monkeypatch.setenv("ZOO_OFFLINE", "1")  # the lock is read before any download
    lock = zoo_env.home / "zoo.lock"
    lock.write_bytes(text)
    result = CliRunner().invoke(cli, ["pull", "minilm-l6"])
    one_line_error(result, f"{lock}: ", where, "or delete it")
