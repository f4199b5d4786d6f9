"""The text domain: any transformers encoder. Its hooks are in ``plugin.py``."""
