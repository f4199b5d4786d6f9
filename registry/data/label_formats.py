"""How one shape of label is read, named, encoded and counted: what a head's labels look like.

A head says which shape it wants (``Head.label_format()``); the four builtin ones cover
``label_kind`` "single", "multi", "regression" and "token", and a third-party head brings its own
by subclassing :class:`LabelFormat`. ``zoo.data`` and ``zoo data`` ask the format and know no
shape themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from zoo.data import labels as lab


class LabelFormat(ABC):
    """One shape of label. ``kind`` names it in run records and ``zoo data`` output."""

    kind: ClassVar[str]
    #: Whether each input is a list of words with one label per word (token classification).
    per_word: ClassVar[bool] = False
    #: Whether a row may say how sure it is of its label (``Example.confidence``).
    takes_confidence: ClassVar[bool] = False

    @abstractmethod
    def parse(self, value: Any, *, words: int, separator: str) -> Any:
        """The label in one cell, as name(s) or a number; raise ``lab.BadValue`` with a short
        reason when it cannot be used. ``words`` is the input's word count for a per-word
        format; ``separator`` splits a string of several names."""

    def names(self, label: Any) -> Iterable[str]:
        """The class names a parsed label holds (none for a number): the label set is made
        of them, and a rare one is warned about."""
        return ()

    @abstractmethod
    def encode(self, label: Any, index: Mapping[str, int]) -> Any:
        """A parsed label as the head's ``label_tensor`` takes it, given each name's index."""

    def counted(self, encoded: Any) -> Iterable[int]:
        """The class indices an encoded label counts toward, for ``zoo data``'s table."""
        return ()

    def value_types(self, value: Any, separator: str) -> set[str]:
        """What sort of values a usable cell holds ("booleans", "numbers", "names"), for the
        warning about a column that mixes them; none by default."""
        return set()


class SingleLabel(LabelFormat):
    """One class per input: its index."""

    kind = "single"
    takes_confidence = True

    def parse(self, value: Any, *, words: int, separator: str) -> str:
        return lab.parse_single(value)

    def names(self, label: str) -> Iterable[str]:
        return (label,)

    def encode(self, label: str, index: Mapping[str, int]) -> int:
        return index[label]

    def counted(self, encoded: int) -> Iterable[int]:
        return (encoded,)

    def value_types(self, value: Any, separator: str) -> set[str]:
        return lab.value_types([value])


class MultiLabel(LabelFormat):
    """Any set of classes per input: a multi-hot tuple."""

    kind = "multi"

    def parse(self, value: Any, *, words: int, separator: str) -> tuple[str, ...]:
        return lab.parse_multi(value, separator)

    def names(self, label: tuple[str, ...]) -> Iterable[str]:
        return label

    def encode(self, label: tuple[str, ...], index: Mapping[str, int]) -> tuple[int, ...]:
        chosen = {index[name] for name in label}
        return tuple(int(i in chosen) for i in range(len(index)))

    def counted(self, encoded: tuple[int, ...]) -> Iterable[int]:
        return (i for i, hot in enumerate(encoded) if hot)

    def value_types(self, value: Any, separator: str) -> set[str]:
        return lab.value_types(value.split(separator) if isinstance(value, str) else value)


class Regression(LabelFormat):
    """A number per input."""

    kind = "regression"

    def parse(self, value: Any, *, words: int, separator: str) -> float:
        return lab.parse_regression(value)

    def encode(self, label: float, index: Mapping[str, int]) -> float:
        return label


class WordTags(LabelFormat):
    """One class per word of an input given as words: their indices."""

    kind = "token"
    per_word = True

    def parse(self, value: Any, *, words: int, separator: str) -> tuple[str, ...]:
        return lab.parse_tags(value, words)

    def names(self, label: tuple[str, ...]) -> Iterable[str]:
        return label

    def encode(self, label: tuple[str, ...], index: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(index[name] for name in label)

    def counted(self, encoded: tuple[int, ...]) -> Iterable[int]:
        return encoded


#: The builtin formats by ``Head.label_kind``.
LABEL_FORMATS: dict[str, LabelFormat] = {f.kind: f for f in (SingleLabel(), MultiLabel(),
                                                            Regression(), WordTags())}
