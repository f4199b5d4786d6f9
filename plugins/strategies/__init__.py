"""The adaptation strategies: full, freeze, lora (and distill, a plugin of its own). Its hooks are in ``plugin.py``."""
