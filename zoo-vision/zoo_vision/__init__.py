"""zoo-vision: the vision domain for zoo, on timm, added through zoo's public plugin hooks."""

__version__ = "0.1.0"
