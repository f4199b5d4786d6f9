"""Plugin loading: entry points, isolation of broken plugins, ZOO_PLUGINS, strict mode, and
validation of every registration hook through fake plugins installed as real distributions."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli.main import cli
from zoo.hookspecs import REGISTRATION_HOOKS
from zoo.plugin_host import PluginWarning

GOOD = '''
import zoo

@zoo.hookimpl
def register_backbones(register):
    register(zoo.Backbone(name="tiny-good", repo="acme/tiny-good", domain="text",
                          architecture="BertModel", params=1234, license="mit",
                          description="a plugin's backbone"))
'''


def run(*args: str) -> "CliRunner.invoke":
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_entry_point_plugin_adds_entries(make_plugin) -> None:
    make_plugin("zoo-good", GOOD, version="2.5")
    z = zoo.get_zoo()
    assert z.backbones.get("tiny-good").origin == "plugin zoo-good"
    assert z.backbones.provider("tiny-good") == "zoo-good"
    result = run("list")
    assert result.exit_code == 0 and "tiny-good" in result.output and "bert-base" in result.output
    info = {p.name: p for p in z.plugins}["zoo-good"]
    assert (info.version, info.builtin, info.hooks) == ("2.5", False, ["register_backbones"])


def test_broken_import_is_skipped_with_a_warning(make_plugin) -> None:
    make_plugin("zoo-good", GOOD)
    make_plugin("zoo-broken", "raise ImportError('needs libfoo')\n")
    with pytest.warns(PluginWarning, match=r"plugin 'zoo-broken' skipped: ImportError: needs libfoo"):
        result = run("list")
    assert result.exit_code == 0
    assert "tiny-good" in result.output
    broken = {p.name: p for p in zoo.get_zoo().plugins}["zoo-broken"]
    assert broken.error == "ImportError: needs libfoo"


def test_error_inside_a_hook_takes_back_what_the_plugin_registered(make_plugin) -> None:
    make_plugin("zoo-half", '''
import zoo

@zoo.hookimpl
def register_sources(register):
    class Ftp(zoo.Source):
        name = "ftp"

        def fetch(self, entry, spec, *, revision, files, offline, progress):
            raise zoo.errors.SourceError("not today")
    register(Ftp())

@zoo.hookimpl
def register_backbones(register):
    raise RuntimeError("catalog server down")
''')
    with pytest.warns(PluginWarning, match="'zoo-half' skipped: RuntimeError: catalog server down"):
        z = zoo.get_zoo()
    assert "ftp" not in z.sources
    assert "bert-base" in z.backbones


def test_a_component_missing_a_required_method_fails_its_plugin_naming_it(make_plugin) -> None:
    make_plugin("zoo-lazy", '''
import zoo

class Lazy(zoo.Head):
    name = "lazy"

    def loss(self, logits, labels):
        return 0.0

@zoo.hookimpl
def register_heads(register):
    register(Lazy())
''')
    with pytest.warns(PluginWarning, match="'zoo-lazy' skipped: TypeError: Can't instantiate "
                                           "abstract class Lazy .*describe.*label_array"):
        z = zoo.get_zoo()
    assert "lazy" not in z.heads


def test_zoo_plugins_env_restricts_loading(make_plugin, monkeypatch) -> None:
    make_plugin("zoo-good", GOOD)
    make_plugin("zoo-broken", "raise ImportError('x')\n")
    monkeypatch.setenv("ZOO_PLUGINS", "zoo-good")
    z = zoo.get_zoo()  # no warning: the broken one is never imported
    assert "tiny-good" in z.backbones
    assert [p.name for p in z.plugins if not p.builtin] == ["zoo-good"]
    monkeypatch.setenv("ZOO_PLUGINS", "")
    zoo.reset_zoo()
    z = zoo.get_zoo()
    assert [p.name for p in z.plugins if not p.builtin] == []
    assert "bert-base" in z.backbones  # builtins always load


def test_trace_mode_shows_each_hook_call_through_pluggy(make_plugin, monkeypatch, capsys) -> None:
    make_plugin("zoo-good", GOOD)
    monkeypatch.setenv("ZOO_TRACE_PLUGINS", "1")
    z = zoo.get_zoo()
    assert "tiny-good" in z.backbones
    lines = capsys.readouterr().err.splitlines()
    # one line per plugin and hook: pluggy itself made the call, so its monitoring saw it
    assert any(l.startswith("zoo trace: register_backbones <- zoo-good: ") for l in lines)
    assert any(l.startswith("zoo trace: register_heads <- zoo.plugins.heads") for l in lines)
    assert not any("<- zoo-good, " in l or ", zoo-good:" in l for l in lines)


def test_strict_mode_turns_the_warning_into_an_error(make_plugin, monkeypatch) -> None:
    make_plugin("zoo-broken", "raise ImportError('needs libfoo')\n")
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 1
    assert "plugin 'zoo-broken' skipped: ImportError: needs libfoo (ZOO_STRICT_PLUGINS is set)" in result.output
    assert "Traceback" not in result.output


def test_hookimpl_asking_for_an_unknown_argument_is_rejected_at_registration(make_plugin) -> None:
    make_plugin("zoo-badarg", '''
import zoo

@zoo.hookimpl
def register_backbones(register, config):
    pass
''')
    with pytest.warns(PluginWarning, match=r"'zoo-badarg' skipped: PluginValidationError: .*Argument\(s\) {'config'}"):
        z = zoo.get_zoo()
    assert "zoo-badarg" not in z.host.modules()


def test_unknown_hook_name_is_rejected(make_plugin) -> None:
    make_plugin("zoo-typo", '''
import zoo

@zoo.hookimpl
def register_backbone(register):
    pass
''')
    with pytest.warns(PluginWarning, match="implements unknown hook.s. register_backbone;"):
        zoo.get_zoo()


@pytest.mark.parametrize("code, message", [
    ("register('bert')", "registered 'bert' as a backbone; expected a zoo.Backbone instance"),
    ("register(zoo.Backbone(name='x', repo='not a repo id!'))",
     "plugin zoo-bad: backbones.x.repo: not a Hub repo id"),
    ("register(zoo.Backbone(name='x', repo='a/b', params='many'))",
     "plugin zoo-bad: backbones.x.params: must be int"),
    ("register(zoo.Backbone(name='bert-base', repo='a/b'))",
     "backbone 'bert-base' is registered twice: by 'zoo.plugins.catalog' and by 'zoo-bad'"),
])
def test_invalid_registrations_name_the_plugin(make_plugin, code: str, message: str) -> None:
    make_plugin("zoo-bad", f'''
import zoo

@zoo.hookimpl
def register_backbones(register):
    {code}
''')
    with pytest.warns(PluginWarning, match="'zoo-bad' skipped") as record:
        z = zoo.get_zoo()
    assert message in str(record[0].message)
    assert z.backbones.get("bert-base").repo == "google-bert/bert-base-uncased"


def test_duplicate_between_two_third_party_plugins_names_both(make_plugin) -> None:
    make_plugin("zoo-a", GOOD)
    make_plugin("zoo-b", GOOD)
    with pytest.warns(PluginWarning, match="registered twice: by 'zoo-a' and by 'zoo-b'"):
        zoo.get_zoo()


#: A concrete builtin of each kind, subclassed under another name.
COMPONENT_OF_HOOK = {
    "register_sources": "zoo.plugins.sources.local.LocalSource",
    "register_domains": "zoo.plugins.text.domain.TextDomain",
    "register_readers": "zoo.plugins.readers.tabular.CsvReader",
    "register_heads": "zoo.plugins.heads.classification.ClassificationHead",
    "register_strategies": "zoo.plugins.strategies.full.FullStrategy",
}
ENTRY_OF_HOOK = {
    "register_datasets": "zoo.Dataset(name='fake-item', license='mit')",
    "register_tasks": "zoo.Task(name='fake-item', dataset='movie-reviews')",
    "register_backbones": "zoo.Backbone(name='fake-item', repo='acme/fake')",
}


@pytest.mark.parametrize("hook", REGISTRATION_HOOKS)
def test_every_registration_hook_fills_its_registry(make_plugin, hook: str) -> None:
    if hook in COMPONENT_OF_HOOK:
        module, cls = COMPONENT_OF_HOOK[hook].rsplit(".", 1)
        make = (f"type('Fake', (__import__('importlib').import_module({module!r}).{cls},), "
                f"{{'name': 'fake-item'}})()")
    else:
        make = ENTRY_OF_HOOK[hook]
    make_plugin("zoo-fake", f'''
import zoo

@zoo.hookimpl
def {hook}(register):
    register({make})
''')
    z = zoo.get_zoo()
    registry = z.registry_for_hook(hook)
    assert registry.provider("fake-item") == "zoo-fake"
    # ...and the wrong kind of object is refused for that hook
    make_plugin("zoo-wrong", f'''
import zoo

@zoo.hookimpl
def {hook}(register):
    register(object())
''')
    with pytest.warns(PluginWarning, match="'zoo-wrong' skipped: PluginError: plugin 'zoo-wrong' registered"):
        zoo.get_zoo()


def test_register_commands_adds_a_cli_command(make_plugin) -> None:
    make_plugin("zoo-hello", '''
import click
import zoo

@zoo.hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("who")
    def hello(who):
        """Say hello."""
        click.echo(f"hello {who}")
''')
    result = run("hello", "world")
    assert result.exit_code == 0 and result.output == "hello world\n"
    assert "hello" in run("--help").output


def test_zoo_plugins_command(make_plugin) -> None:
    make_plugin("zoo-good", GOOD, version="2.5")
    out = run("plugins").output
    assert "zoo-good" in out and "2.5" in out and "backbones" in out
    assert "zoo.plugins.catalog" not in out
    assert "zoo.plugins.catalog" in run("plugins", "--all").output
    import json
    data = json.loads(run("plugins", "--json").output)
    assert data == [{"name": "zoo-good", "module": "zoo_good", "version": "2.5", "builtin": False,
                     "hooks": ["register_backbones"], "error": None}]
