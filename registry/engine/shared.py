"""What the main process holds and the others need, handed over the process group rather
than read back from a disk the other machines may not share: the best weights, the
checkpoint a resumed run starts from, a check of the run directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from zoo.errors import UsageError, ZooError

T = TypeVar("T")


def from_main(state: Any, read: Callable[[], T]) -> T:
    """``read()`` on the main process, its result on every process. A ``ZooError`` it
    raises (an unreadable file) is raised on every process, so none waits for the others."""
    if state.num_processes == 1:
        return read()
    from accelerate.utils import broadcast_object_list

    box: list[Any] = [None, None]
    if state.is_main_process:
        try:
            box[0] = read()
        except ZooError as exc:
            box[1] = (type(exc), str(exc))
    broadcast_object_list(box)
    if box[1] is not None:
        kind, message = box[1]
        try:
            error = kind(message)
        except TypeError:  # a subclass built from other arguments (NotFoundError)
            error = UsageError(message) if issubclass(kind, UsageError) else ZooError(message)
        raise error
    return box[0]
