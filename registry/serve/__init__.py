"""``zoo serve``: a run behind an HTTP endpoint (FastAPI under uvicorn), with dynamic batching.

Imported only by that command: it needs the ``serve`` extra (docs/serving.md).
"""
