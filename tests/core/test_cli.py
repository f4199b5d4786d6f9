"""The browsing commands through click's runner and through the installed ``zoo`` script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from zoo.cli.main import cli

ZOO_SCRIPT = Path(sys.executable).parent / "zoo"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_table_pattern_domain_and_task() -> None:
    out = run("list").output
    assert out.splitlines()[0].split()[:4] == ["NAME", "DOMAIN", "ARCHITECTURE", "PARAMS"]
    assert "minilm-l6" in out and "22.7M" in out
    assert [line.split()[0] for line in run("list", "bert-*").output.splitlines()[1:]] == ["bert-base", "bert-large"]
    assert "no backbones match" in run("list", "--domain", "vision").output
    assert "minilm-l6" in run("list", "--task", "sentiment").output


def test_list_json_and_kinds() -> None:
    data = json.loads(run("list", "minilm-*", "--json").output)
    assert [d["name"] for d in data] == ["minilm-l12", "minilm-l6"]
    assert data[1]["repo"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert data[1]["plugin"] == "zoo.plugins.catalog" and data[1]["kind"] == "backbone"
    every = json.loads(run("list", "--kind", "all", "--json").output)
    assert {"backbone", "task", "dataset"} <= {d["kind"] for d in every}
    assert "TASKS" in run("list", "--kind", "all").output


def test_info_text_and_json() -> None:
    out = run("info", "minilm-l6").output
    assert "backbone minilm-l6" in out
    assert "sha256:53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db" in out
    assert "params: 22,713,216 (22.7M)" in out
    assert "plugin: zoo.plugins.catalog" in out and "defined in:" in out
    data = json.loads(run("info", "sentiment", "--json").output)
    assert data["kind"] == "task" and data["labels"] == ["negative", "positive"]


def test_unknown_name_exits_2_with_did_you_mean_and_no_traceback() -> None:
    result = run("info", "bert-bsae")
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown catalog entry 'bert-bsae': did you mean 'bert-base'")
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    result = run("list", "--task", "sentimnt")
    assert result.exit_code == 2 and "unknown task 'sentimnt': did you mean 'sentiment'?" in result.output


def test_debug_shows_the_traceback() -> None:
    result = run("--debug", "info", "bert-bsae")
    assert result.exit_code == 1  # the exception escaped to the runner
    assert result.exception is not None and "bert-bsae" in str(result.exception)


def script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ZOO_SCRIPT), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_installed_script_lists_and_fails_cleanly() -> None:
    done = script("list")
    assert done.returncode == 0 and "bert-base" in done.stdout
    bad = script("info", "nope-model")
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: unknown catalog entry 'nope-model'")
    assert "Traceback" not in bad.stderr
    debug = script("--debug", "info", "nope-model")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_broken_plugin_warns_once_in_one_line_and_list_still_works(tmp_path: Path) -> None:
    from zoo.testing import write_plugin_distribution

    site = write_plugin_distribution(tmp_path / "site", "zoo-broken", "raise ImportError('no libfoo')\n")
    done = script("list", env={"PYTHONPATH": str(site)})
    assert done.returncode == 0 and "bert-base" in done.stdout
    assert done.stderr == "zoo: warning: plugin 'zoo-broken' skipped: ImportError: no libfoo\n"


def test_browsing_commands_import_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\n"
        "from zoo.cli.main import main\n"
        "for args in (['list'], ['info', 'minilm-l6'], ['plugins', '--all'], ['list', '--kind', 'all', '--json']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "heavy = [m for m in ('torch', 'transformers', 'huggingface_hub', 'peft', 'accelerate', 'timm',\n"
        "                     'zoo.cli.adapt_cmd', 'zoo.engine') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "HEAVY="
