"""zoo: a plugin-based model zoo and registry for transfer learning.

This package is the light core (hookspecs, registries, catalog): importing it never imports
torch, so listing what is available stays fast.
"""

from zoo.catalog import Backbone, Dataset, FileSpec, SourceSpec, Task
from zoo.components import Domain, Head, Reader, Row, Source, Strategy
from zoo.errors import (CatalogError, IntegrityError, NotFoundError, PluginError, UsageError,
                     ZooError)
from zoo.hookspecs import hookimpl
from zoo.app import Zoo, get_zoo, reset_zoo



def __getattr__(name: str) -> str:
    """``zoo.__version__``: the installed distribution's, so pyproject.toml is its one source."""
    if name == "__version__":
        from importlib.metadata import version

        return version("zoo")
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")

__all__ = [
    "Backbone", "CatalogError", "Dataset", "Domain", "FileSpec", "Head", "IntegrityError",
    "NotFoundError", "PluginError", "Reader", "Row", "Source", "SourceSpec", "Strategy", "Task", "UsageError",
    "Zoo", "ZooError", "__version__", "get_zoo", "hookimpl", "reset_zoo",
]
