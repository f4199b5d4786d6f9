"""Task data: the examples a task trains, selects and reports on, from the catalog or ``--data``.

``load_task_data`` is the one entry point; the modules behind it each do one step: find the
files (:mod:`.fetch`), pick a reader (:mod:`.formats`), turn raw rows into labelled examples
(:mod:`.labels`, :mod:`.examples`) and split them (:mod:`.splits`).
"""

from .examples import LABEL_KINDS, Example, TaskData
from .loader import load_task_data

__all__ = ["LABEL_KINDS", "Example", "TaskData", "load_task_data"]
