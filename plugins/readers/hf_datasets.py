"""A directory written by ``datasets`` ``save_to_disk``: a Dataset or a DatasetDict.

``datasets`` is optional (it is large, and zoo needs it for nothing else): it is imported
only when such a directory is read, with a one-line error saying how to install it. A
DatasetDict's own splits are kept (each row carries its split), and ``ClassLabel`` integers
are turned back into their names so labels read the same as in any other format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo.components import Reader, Row
from zoo.errors import UsageError

SPLIT_KEY = "split"


class DatasetsDirReader(Reader):
    name = "datasets"
    description = "A directory saved by the `datasets` package (save_to_disk)"

    def accepts(self, path: Path) -> bool:
        return path.is_dir() and ((path / "dataset_dict.json").is_file() or (path / "state.json").is_file())

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        try:
            import datasets
        except ImportError:
            raise UsageError(
                f"{path} is a `datasets` directory, and reading it needs the `datasets` package: "
                "pip install datasets (or export it to Parquet/JSONL)") from None
        loaded = datasets.load_from_disk(str(path))
        if isinstance(loaded, datasets.DatasetDict):
            parts = list(loaded.items())
        else:
            parts = [(None, loaded)]
        for split, part in parts:
            names = {col: feature.names for col, feature in part.features.items()
                     if isinstance(feature, datasets.ClassLabel)}
            # a sequence of ClassLabel (token tags): `List` in datasets 4+, `Sequence` before
            sequences = tuple({getattr(datasets, "List", datasets.Sequence), datasets.Sequence})
            names.update({col: feature.feature.names for col, feature in part.features.items()
                          if isinstance(feature, sequences)
                          and isinstance(getattr(feature, "feature", None), datasets.ClassLabel)})
            for number, values in enumerate(part, start=1):
                values = {col: _named(value, names[col]) if col in names else value
                          for col, value in values.items()}
                if split is not None:
                    values[SPLIT_KEY] = split
                yield Row(f"{split} row {number}" if split else f"row {number}", values)


def _named(value: Any, names: list[str]) -> Any:
    """A ClassLabel index (or list of them) as its name; anything else unchanged."""
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, int) and 0 <= value < len(names):
        return names[value]
    return value
