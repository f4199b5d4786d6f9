"""Builtin sources: the Hugging Face Hub, a local directory, a PyPI artifact."""
