"""docs/engine.md's contracts say what the code does: every method a section names exists with
exactly the parameters written there, and every public method of each base class and capability
is named in its section (as datasette's test_docs holds its plugin hooks to their docs)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from zoo import capabilities
from zoo.components import Domain, Head, Objective, Prerequisite, Strategy
from zoo.data.label_formats import LabelFormat

DOC = Path(__file__).parents[2] / "docs" / "engine.md"
CAPABILITIES = (capabilities.LayerAccess, capabilities.FeatureCache, capabilities.LoraSupport,
                capabilities.HiddenStates, capabilities.ArchitectureCheck,
                capabilities.SentenceEncoder, capabilities.OnnxExport)
#: Each section's heading, the classes its mentions are looked up in (first hit wins), and the
#: classes whose every public method it must name.
SECTIONS = {
    "Domain": ((Domain,), (Domain,)),
    "Capabilities": (CAPABILITIES, CAPABILITIES[:-1]),  # OnnxExport's are in deployment.md
    "Head": ((Head, LabelFormat, capabilities.ArrayLoss),
             (Head, LabelFormat, capabilities.ArrayLoss)),
    "Strategy": ((Strategy, Objective, Prerequisite), (Strategy, Objective)),
}
MENTION = re.compile(r"`(?:[\w.]+\.)?(\w+)\(([^`()]*)\)`")


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### (\w+) \(`[\w.]+`\)\n", text, flags=re.M)
    found = dict(zip(parts[1::2], parts[2::2]))
    return {name: body.split("\n## ")[0] for name, body in found.items()}


def _written(signature: inspect.Signature) -> str:
    """A signature as the docs write it: no self, no annotations, ``*`` before keyword-only."""
    out: list[str] = []
    for p in list(signature.parameters.values()):
        if p.name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and "*" not in out:
            out.append("*")
        name = f"**{p.name}" if p.kind is p.VAR_KEYWORD else p.name
        out.append(name if p.default is p.empty else f"{name}={p.default!r}")
    return ", ".join(out)


def _public(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def test_every_section_is_there():
    assert set(_sections()) == set(SECTIONS)


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_each_method_named_has_the_parameters_written(section):
    lookup, _ = SECTIONS[section]
    mentions = MENTION.findall(_sections()[section])
    assert mentions
    for name, params in mentions:
        owner = next((cls for cls in lookup if hasattr(cls, name)), None)
        if owner is None and name in {cls.__name__ for cls in lookup}:
            owner = next(cls for cls in lookup if cls.__name__ == name)
            target = owner
        else:
            assert owner is not None, f"{section}: `{name}(...)` is no method of " \
                                      f"{', '.join(c.__name__ for c in lookup)}"
            target = getattr(owner, name)
        written = _written(inspect.signature(target))
        assert " ".join(params.split()) == written, \
            f"{section}: docs say `{name}({params})`, {owner.__name__} has ({written})"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_public_method_is_documented(section):
    _, complete = SECTIONS[section]
    named = {name for name, _ in MENTION.findall(_sections()[section])}
    for cls in complete:
        missing = _public(cls) - named
        assert not missing, f"{section}: {cls.__name__}.{', '.join(sorted(missing))} undocumented"
