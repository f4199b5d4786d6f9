"""Builtin plugin: the text domain (any transformers encoder)."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl

from .domain import TextDomain

__all__ = ["TextDomain"]


@hookimpl
def register_domains(register: Callable[[Any], None]) -> None:
    register(TextDomain())
