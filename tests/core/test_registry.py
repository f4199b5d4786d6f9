"""The generic registry: registration checks, lookup with did-you-mean, filtered listing."""

from __future__ import annotations

import pytest

from zoo import Backbone, NotFoundError, PluginError
from zoo.registries import Registry


def backbone(name: str, domain: str = "text") -> Backbone:
    return Backbone(name=name, repo=f"org/{name}", domain=domain)


def test_register_get_and_provider() -> None:
    reg: Registry[Backbone] = Registry("backbone", Backbone)
    reg.register(backbone("bert-base"), "plugin-a")
    assert reg.get("bert-base").repo == "org/bert-base"
    assert reg.provider("bert-base") == "plugin-a"
    assert "bert-base" in reg and len(reg) == 1


def test_duplicate_names_both_providers() -> None:
    reg: Registry[Backbone] = Registry("backbone", Backbone)
    reg.register(backbone("bert-base"), "plugin-a")
    with pytest.raises(PluginError, match="'plugin-a' and by 'plugin-b'"):
        reg.register(backbone("bert-base"), "plugin-b")
    reg.register(backbone("bert-base", domain="vision"), "user catalog x", override=True)
    assert reg.get("bert-base").domain == "vision"


def test_wrong_type_and_bad_name_are_refused() -> None:
    reg: Registry[Backbone] = Registry("backbone", Backbone)
    with pytest.raises(PluginError, match="plugin 'p' registered 'bert' as a backbone"):
        reg.register("bert", "p")  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="invalid name 'Bert Base'"):
        reg.register(backbone("Bert Base"), "p")


def test_unknown_name_suggests_close_matches() -> None:
    reg: Registry[Backbone] = Registry("backbone", Backbone)
    for name in ("bert-base", "bert-large", "roberta-base"):
        reg.register(backbone(name), "p")
    with pytest.raises(NotFoundError, match="did you mean 'bert-base'") as info:
        reg.get("bert-bse")
    assert isinstance(info.value, KeyError)
    with pytest.raises(NotFoundError, match="known: bert-base, bert-large, roberta-base"):
        reg.get("xyz")


def test_list_filters_by_glob_and_attributes() -> None:
    reg: Registry[Backbone] = Registry("backbone", Backbone)
    for name, domain in (("bert-base", "text"), ("bert-large", "text"), ("resnet50", "vision")):
        reg.register(backbone(name, domain), "p")
    assert [b.name for b in reg.list("bert-*")] == ["bert-base", "bert-large"]
    assert [b.name for b in reg.list(domain="vision")] == ["resnet50"]
    assert [b.name for b in reg.list(domain=None)] == ["bert-base", "bert-large", "resnet50"]
    assert reg.list("*", domain="audio") == []
