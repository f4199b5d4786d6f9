"""The movie-review sentences of the VADER paper (Hutto and Gilbert, ICWSM 2014).

``movieReviewSnippets_GroundTruth.txt`` is tab-separated ``id, valence, text`` without a
header; valence is a mean human rating in [-4, 4]. A sentence is positive when its valence
is above 0 and negative below; the 37 sentences rated exactly 0 carry no polarity and are
left out (docs/datasets.md). The file writes two apostrophes ``''`` where a double quote
was meant, which would reach a tokenizer as two tokens; they are turned back into ``"``.

Each row also says how sure its label is: ``confidence`` reads the valence as the label's
logit, so a sentence rated 0.2 is nearly a coin flip (0.55) and one rated 3 is near certain
(0.95). The ``movie-reviews`` dataset trains on it (its ``confidence_column`` option);
docs/datasets.md has the figures that chose this over half and twice the valence.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo.components import Reader, Row


class VaderValenceReader(Reader):
    name = "vader-valence"
    description = "VADER ground-truth TSV (id, valence, text); label from the valence's sign"

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        with path.open(encoding="utf-8", newline="") as f:
            for number, line in enumerate(f, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                where = f"line {number}"
                parts = line.split("\t")
                if len(parts) != 3:
                    yield Row(where, problem=f"{len(parts)} tab-separated fields, expected 3")
                    continue
                ident, raw_valence, text = parts
                try:
                    valence = float(raw_valence)
                except ValueError:
                    yield Row(where, problem=f"valence {raw_valence!r} is not a number")
                    continue
                if valence == 0:
                    continue
                yield Row(where, {"id": ident, "valence": valence,
                                  "text": text.replace("''", '"').strip(),
                                  "label": "positive" if valence > 0 else "negative",
                                  "confidence": confidence(valence)})


def confidence(valence: float) -> float:
    """How sure a sentence's label is: the sigmoid of its distance from neutral."""
    return 1 / (1 + math.exp(-abs(valence)))
