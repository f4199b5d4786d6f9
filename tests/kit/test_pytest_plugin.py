"""zoo's pytest plugin, as a plugin author meets it: their own test suite, run by pytest in a
subprocess that finds the kit through the installed ``pytest11`` entry point.

The author's plugin is a real distribution written into the pytester directory, which the
subprocess has on PYTHONPATH, so zoo finds it through its entry point as if pip had put it there.
"""

from __future__ import annotations

import textwrap

import pytest

from zoo import get_zoo
from zoo.testing import write_plugin_distribution

pytest_plugins = ["pytester"]

ACME = '''
    """The author's plugin: one task."""
    import zoo

    @zoo.hookimpl
    def register_tasks(register):
        register(zoo.Task(name="acme-task", labels=("clean", "toxic")))
    '''

OTHER = '''
    """Another installed plugin, which a test of acme must not see."""
    import zoo

    @zoo.hookimpl
    def register_tasks(register):
        register(zoo.Task(name="other-task", labels=("x", "y")))
    '''

BROKEN = '''
    """An author's plugin with a bug in a hook."""
    import zoo

    @zoo.hookimpl
    def register_tasks(register):
        raise RuntimeError("acme cannot find its labels file")
    '''


def author_project(pytester: pytest.Pytester, plugin_code: str, tests: str,
                   ini_plugins: str = "acme", *, pyproject: bool = False) -> None:
    """The author's plugin ``acme`` (and an unrelated installed ``other``), their pytest
    configuration naming ``ini_plugins`` (in pytest.ini, or pyproject.toml), and their tests."""
    write_plugin_distribution(pytester.path, "acme", plugin_code)
    write_plugin_distribution(pytester.path, "other", OTHER)
    if pyproject:
        pytester.makepyprojecttoml(f'[tool.pytest.ini_options]\nzoo_plugins = ["{ini_plugins}"]\n')
    else:
        pytester.makeini(f"[pytest]\nzoo_plugins = {ini_plugins}\n")
    pytester.makepyfile(test_acme=textwrap.dedent(tests))


def test_zoo_env_and_zoo_registry_hold_only_the_authors_plugin(pytester: pytest.Pytester) -> None:
    author_project(pytester, ACME, '''
        import os
        from pathlib import Path

        import pytest
        import zoo


        def test_env_is_isolated_and_offline(zoo_env):
            assert os.environ["ZOO_HOME"] == str(zoo_env.home)
            assert os.environ["HF_HOME"] == str(zoo_env.hf_home)
            assert os.environ["HF_HUB_OFFLINE"] == os.environ["ZOO_OFFLINE"] == "1"
            assert "ZOO_CATALOG" not in os.environ and "ZOO_PLUGINS" not in os.environ
            assert Path.cwd() == zoo_env.cwd
            assert "acme-task" in zoo.get_zoo().tasks and "other-task" in zoo.get_zoo().tasks


        def test_env_catalog_is_seen(zoo_env):
            zoo_env.add_catalog('[tasks.mine]\\nlabels = ["a", "b"]')
            assert zoo.get_zoo().tasks.get("mine").labels == ("a", "b")


        def test_registry_from_the_ini_option(zoo_registry):
            assert "acme-task" in zoo_registry.tasks
            assert "other-task" not in zoo_registry.tasks
            assert "classify" in zoo_registry.tasks  # the builtins are there
            assert zoo_registry is zoo.get_zoo()


        @pytest.mark.zoo_plugins("other")
        def test_registry_from_the_marker(zoo_registry):
            assert "other-task" in zoo_registry.tasks and "acme-task" not in zoo_registry.tasks


        class TestBothPlugins:
            @pytest.fixture
            def zoo_plugin_names(self):
                return ("acme", "other")

            def test_registry_from_an_overridden_fixture(self, zoo_registry):
                assert {"acme-task", "other-task"} <= set(zoo_registry.tasks.names())
        ''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_a_broken_plugin_fails_zoo_registry_with_its_own_error(pytester: pytest.Pytester) -> None:
    author_project(pytester, BROKEN, '''
        def test_tasks(zoo_registry):
            assert "acme-task" in zoo_registry.tasks
        ''', pyproject=True)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*acme*cannot find its labels file*"])


def test_a_plugin_name_nothing_provides_fails_instead_of_testing_nothing(
        pytester: pytest.Pytester) -> None:
    author_project(pytester, ACME, '''
        def test_tasks(zoo_registry):
            pass
        ''', ini_plugins="acme-typo")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*zoo_plugins names acme-typo, but no installed distribution*"])


def test_tiny_backbone_pulls_loads_and_adapts_offline_and_zoo_cli_runs_both_ways(
        pytester: pytest.Pytester) -> None:
    author_project(pytester, ACME, '''
        import json


        def test_pull_and_load(tiny_backbone, zoo_cli):
            pulled = zoo_cli("pull", "tiny-bert")
            assert pulled.exit_code == 0, pulled.output
            from transformers import AutoModel, AutoTokenizer
            from zoo import get_zoo
            from zoo.resolve import resolve
            snapshot = resolve(tiny_backbone.entry, get_zoo())
            assert snapshot.source == "local" and snapshot.origin == tiny_backbone.path
            model = AutoModel.from_pretrained(snapshot.path)
            tokenizer = AutoTokenizer.from_pretrained(snapshot.path)
            assert tokenizer.tokenize("The movie was GOOD") == ["the", "movie", "was", "good"]
            batch = tokenizer(["the movie was good", "boring plot"], padding=True, return_tensors="pt")
            assert model(**batch).last_hidden_state.shape[-1] == 32
            assert tiny_backbone.entry.params == model.num_parameters()


        def test_adapt_writes_a_run_transformers_loads(tiny_backbone, zoo_cli, zoo_env):
            rows = ["text,label"] + [f"the movie was {w},{l}" for w, l in
                                     [("good", "pos"), ("bad", "neg"), ("great", "pos"), ("awful", "neg")] * 10]
            (zoo_env.cwd / "reviews.csv").write_text("\\n".join(rows) + "\\n")
            result = zoo_cli("adapt", "tiny-bert", "--task", "classify", "--data", "reviews.csv",
                             "--output", "run", "--epochs", "1", "--max-steps", "2", "--no-bf16",
                             "--no-progress")
            assert result.exit_code == 0, result.output
            from transformers import AutoModelForSequenceClassification
            model = AutoModelForSequenceClassification.from_pretrained(zoo_env.cwd / "run")
            assert set(model.config.id2label.values()) == {"pos", "neg"}


        def test_a_changed_file_is_refused(tiny_backbone, zoo_cli):
            with open(tiny_backbone.path / "config.json", "a") as f:
                f.write(" ")
            result = zoo_cli("pull", "tiny-bert")
            assert result.exit_code == 1 and "sha256" in result.output, result.output


        def test_cli_in_process_and_installed(tiny_backbone, zoo_cli):
            for installed in (False, True):
                info = zoo_cli("info", "tiny-bert", "--json", installed=installed)
                assert info.exit_code == 0, info.output
                assert "tiny-bert" in info.stdout
                bad = zoo_cli("info", "tiny-brt", installed=installed)
                assert bad.exit_code == 2 and "tiny-bert" in bad.stderr, bad.output
                assert "Traceback" not in bad.output
        ''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_hub_server_serves_a_pull(pytester: pytest.Pytester) -> None:
    author_project(pytester, ACME, '''
        import hashlib


        def test_pull_from_the_loopback_hub(zoo_env, hub_server, zoo_cli):
            weights = b"not really weights" * 100
            server = hub_server({"acme/bert": {"main": {"config.json": b"{}", "model.safetensors": weights}}})
            zoo_env.add_catalog(
                '[backbones.acme-bert]\\nrepo = "acme/bert"\\nrevision = "main"\\n'
                'files = ["config.json", {path = "model.safetensors", sha256 = "%s"}]\\n'
                % hashlib.sha256(weights).hexdigest())
            result = zoo_cli("pull", "acme-bert")
            assert result.exit_code == 0, result.output
            assert server.gets("/model.safetensors")
        ''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_kit_changes_nothing_for_tests_that_do_not_ask(pytester: pytest.Pytester,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """People with zoo installed who do not write plugins get the kit loaded, and nothing else:
    no torch import at start-up, their environment and working directory left alone."""
    monkeypatch.setenv("ZOO_HOME", "/somewhere/of/theirs")
    pytester.makepyfile(test_plain=f'''
        import os
        import sys
        from pathlib import Path


        def test_untouched(request):
            assert request.config.pluginmanager.has_plugin("zoo")
            assert "torch" not in sys.modules and "transformers" not in sys.modules
            assert os.environ["ZOO_HOME"] == "/somewhere/of/theirs"
            assert Path.cwd() == Path({str(pytester.path)!r})
        ''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
