"""The docs stay true: CI runs the README's test command, and every hook is documented and tested."""

from __future__ import annotations

import re
from pathlib import Path

from zoo import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_command = [line for line in (ROOT / ".ci/run").read_text().splitlines()
                  if line.strip() and not line.startswith(("#", "set ", "cd "))][-1]
    readme = (ROOT / "README.md").read_text()
    assert ci_command in readme.splitlines()
    makefile = (ROOT / "Makefile").read_text()
    assert ci_command == "make test"
    # ...and that target runs both suites, the core's and zoo-vision's.
    assert ".venv/bin/python -m pytest -q\n" in makefile
    assert ".venv-vision/bin/python -m pytest -q zoo-vision\n" in makefile


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_")
                  and callable(getattr(hookspecs, n)))


def test_every_hook_has_a_docstring_and_a_section_in_the_plugin_guide() -> None:
    guide = (ROOT / "docs/plugins.md").read_text()
    for name in hook_names():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
        assert re.search(rf"^### {name}$", guide, re.M), f"docs/plugins.md has no section for {name}"


def test_every_hook_is_exercised_by_a_test() -> None:
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py")
                      if p.name != "test_docs.py")
    plugin_tests = (ROOT / "tests/core/test_plugins.py").read_text()
    for name in hook_names():
        covered = name in tests or (name in hookspecs.REGISTRATION_HOOKS
                                    and "REGISTRATION_HOOKS" in plugin_tests)
        assert covered, f"no test implements {name}"


def kit_fixture_names() -> list[str]:
    """The public fixtures of zoo's pytest plugin, read from its source (pytest's own fixture
    objects differ between versions; the decorator in the source does not)."""
    import ast

    import zoo.testing.pytest_plugin

    tree = ast.parse(Path(zoo.testing.pytest_plugin.__file__).read_text())
    return sorted(node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                  and not node.name.startswith("_")
                  and any("fixture" in ast.unparse(d) for d in node.decorator_list))


def test_every_kit_fixture_is_documented_and_exercised_by_an_authors_suite() -> None:
    guide = (ROOT / "docs/plugins.md").read_text()
    testing = guide[guide.index("## Testing a plugin"):]
    kit_tests = (ROOT / "tests/kit/test_pytest_plugin.py").read_text()
    names = kit_fixture_names()
    assert {"zoo_env", "zoo_registry", "tiny_backbone", "zoo_cli", "hub_server"} <= set(names)
    for name in names:
        assert re.search(rf"^\| `{name}` \|", testing, re.M), f"docs/plugins.md does not document fixture {name}"
        used = rf"def (test_\w+\([^)]*\b{name}\b|{name}\()"  # requested, or overridden
        assert re.search(used, kit_tests), f"no author's test uses {name}"
