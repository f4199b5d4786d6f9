"""The run directory zoo adapt writes (DESIGN.md's contract), staged and finished atomically."""

from .staging import RunStaging
from .writer import RunRecord, write_run

__all__ = ["RunRecord", "RunStaging", "write_run"]
