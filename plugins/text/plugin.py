"""The builtin plugin of the text domain, through the hook a third party uses."""

from __future__ import annotations

from typing import Any, Callable

from zoo import hookimpl
from zoo.plugins.text.domain import TextDomain


@hookimpl
def register_domains(register: Callable[[Any], None]) -> None:
    register(TextDomain())
