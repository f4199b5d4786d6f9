"""zoo search over the loopback Hub's GET /api/models, through HfApi.list_models."""

from __future__ import annotations

import json

import pytest

from hub_helpers import invoke


@pytest.fixture
def hub(hub_server, tiny_bert):
    files = {p.name: p.read_bytes() for p in tiny_bert.iterdir() if p.is_file()}
    pickled = {k: v for k, v in files.items() if k != "model.safetensors"}
    server = hub_server({
        "org/tiny-bert": {"main": files},
        "org/tiny-bert-old": {"main": {**pickled, "pytorch_model.bin": b"pickle"}},
        "org/tiny-bert-custom": {"main": {**files, "config.json": b'{"model_type": "mine", '
                                          b'"architectures": ["MineModel"]}'}},
        "org/unrelated": {"main": files},
    })
    server.set_meta("org/tiny-bert", downloads=300, likes=2, license="mit",
                    pipeline_tag="feature-extraction", library_name="transformers",
                    lastModified="2026-01-01T00:00:00.000Z")
    server.set_meta("org/tiny-bert-old", downloads=900, likes=9, license="apache-2.0",
                    pipeline_tag="fill-mask", library_name="transformers",
                    lastModified="2025-01-01T00:00:00.000Z")
    server.set_meta("org/tiny-bert-custom", downloads=5, likes=30,
                    tags=["license:other"], library_name="transformers",
                    lastModified="2026-06-01T00:00:00.000Z")
    return server


def test_search_lists_the_hubs_hits_with_whether_zoo_can_adapt_each(hub):
    result = invoke("search", "tiny-bert", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [h["id"] for h in hits] == ["org/tiny-bert-old", "org/tiny-bert",
                                       "org/tiny-bert-custom"]  # by downloads, most first
    by_id = {h["id"]: h for h in hits}
    assert by_id["org/tiny-bert"] == {
        "id": "org/tiny-bert", "downloads": 300, "likes": 2, "license": "mit",
        "pipeline_tag": "feature-extraction", "library": "transformers", "adaptable": True}
    assert by_id["org/tiny-bert-old"]["why_not"] == "no safetensors weights"
    assert by_id["org/tiny-bert-custom"]["why_not"] == "no installed domain loads ['MineModel']"
    assert by_id["org/tiny-bert-custom"]["license"] == "other"  # from the license: tag
    assert [r for r in hub.state.requests if r.path == "/api/models"]


def test_search_sorts_filters_and_limits(hub):
    def ids(*args: str) -> list[str]:
        result = invoke("search", "tiny", *args, "--json")
        assert result.exit_code == 0, result.output
        return [h["id"] for h in json.loads(result.stdout)]

    assert ids("--sort", "likes") == ["org/tiny-bert-custom", "org/tiny-bert-old",
                                      "org/tiny-bert"]
    assert ids("--sort", "updated")[0] == "org/tiny-bert-custom"
    assert ids("--limit", "1") == ["org/tiny-bert-old"]
    assert ids("--task", "feature-extraction") == ["org/tiny-bert"]
    assert ids("--library", "timm") == []


def test_search_prints_a_table(hub):
    result = invoke("search", "tiny-bert")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["ID", "DOWNLOADS", "LIKES", "LICENSE", "PIPELINE", "ADAPT"]
    assert rows[1].split()[:6] == ["org/tiny-bert", "300", "2", "mit", "feature-extraction",
                                   "yes"]
    assert rows[0].endswith("no: no safetensors weights")


def test_a_bad_limit_is_exit_2(hub):
    result = invoke("search", "x", "--limit", "0")
    assert result.exit_code == 2 and result.output == "Error: --limit must be at least 1\n"
