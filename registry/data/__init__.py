"""Task data: the examples a task trains, selects and reports on, from the catalog or ``--data``.

``load_task_data`` is the one entry point; the modules behind it each do one step: find the
files (:mod:`.fetch`), pick a reader (:mod:`.formats`), turn raw rows into labelled examples
(:mod:`.labels`, the head's :mod:`.label_formats`, :mod:`.examples`) and split them
(:mod:`.splits`).
"""

from zoo.data.examples import Example, TaskData
from zoo.data.label_formats import LABEL_FORMATS, LabelFormat
from zoo.data.loader import load_task_data

__all__ = ["LABEL_FORMATS", "Example", "LabelFormat", "TaskData", "load_task_data"]
