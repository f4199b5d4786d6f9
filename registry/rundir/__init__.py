"""The run directory zoo adapt writes (DESIGN.md's contract), staged and finished atomically."""

from .staging import RunStaging
from .record import RunRecord, read_run
from .writer import write_run

__all__ = ["RunRecord", "RunStaging", "read_run", "write_run"]
