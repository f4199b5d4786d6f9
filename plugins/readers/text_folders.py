"""A folder of text files, one subfolder per class (``data/<label>/*.txt``), as BBC News ships.

The label is the subfolder's name. Files are read as UTF-8; a file that is not valid UTF-8
is read as Windows-1252, the encoding such older corpora were written in (one BBC article,
sports/199.txt, has a cp1252 pound sign), rather than failing the whole dataset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo.components import Reader, Row


class TextFoldersReader(Reader):
    name = "text-folders"
    description = "A directory with one subfolder of .txt files per label"

    def accepts(self, path: Path) -> bool:
        return path.is_dir() and any(sub.is_dir() and any(sub.glob("*.txt")) for sub in path.iterdir())

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        pattern = options.get("pattern", "*.txt")
        for folder in sorted(p for p in path.iterdir() if p.is_dir()):
            for file in sorted(folder.glob(pattern)):
                where = file.relative_to(path).as_posix()
                raw = file.read_bytes()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("cp1252", errors="replace")
                yield Row(where, {"text": text.strip(), "label": folder.name, "path": where})
