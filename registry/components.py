"""Base classes for the code a plugin registers: domains, heads, strategies and sources.

They are deliberately light (no torch at import) so that listing what is installed costs
nothing; the methods that need torch import it when they are called.
"""

from __future__ import annotations

from typing import ClassVar


class Component:
    """Something registered by name. Subclasses set ``name`` and a one-line ``description``."""

    kind: ClassVar[str] = "component"
    name: str = ""
    description: str = ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Domain(Component):
    """Loads backbones of one modality (text, vision, ...) and turns raw examples into inputs."""

    kind = "domain"


class Head(Component):
    """A task head (classification, regression, ...) put on a backbone."""

    kind = "head"


class Strategy(Component):
    """A way to adapt a backbone plus head: full fine-tune, freeze, LoRA, distillation."""

    kind = "strategy"


class Source(Component):
    """A place files can come from: the Hugging Face Hub, a local directory, a PyPI artifact."""

    kind = "source"


class Reader(Component):
    """Reads one file format (CSV, JSONL, a folder of images, ...) into raw example rows.

    A catalog dataset names its reader (``reader = "csv"``) because zoo.toml is data and
    cannot carry code; the reader itself comes from a plugin.
    """

    kind = "reader"
