"""``--strategy auto``, zoo adapt's default: the strategy chosen from the training rows and
the backbone, with the reason, which zoo adapt prints and run.json records."""

from __future__ import annotations

from dataclasses import dataclass

from zoo.catalog import Backbone

AUTO = "auto"


@dataclass(frozen=True)
class Choice:
    strategy: str
    reason: str


def choose_strategy(rows: int, backbone: Backbone) -> Choice:
    """Full fine-tuning, whose budget then follows the rows (``zoo.engine.budget``): at every
    size measured so far it beat training the head alone (docs/small-data.md)."""
    return Choice("full", f"{rows} training rows on {backbone.name}: full fine-tuning, its "
                          "steps stretched to the floor on small data")
