"""The dataset readers: CSV, TSV, JSONL, Parquet, ``datasets`` dirs, text folders and the
VADER movie-review file. Its hooks are in ``plugin.py``."""
