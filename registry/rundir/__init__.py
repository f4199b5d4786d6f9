"""The run directory zoo adapt writes (DESIGN.md's contract), staged and finished atomically."""

from zoo.rundir.staging import RunStaging
from zoo.rundir.record import RunRecord, read_run
from zoo.rundir.writer import write_run

__all__ = ["RunRecord", "RunStaging", "read_run", "write_run"]
