"""The task heads: single-label, multi-label, regression and per-word labels. Its hooks are in ``plugin.py``."""
