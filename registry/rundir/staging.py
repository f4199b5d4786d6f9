"""A run is built beside its destination and moved into place only when complete.

``<out>`` never exists half-written: work (checkpoints, feature cache) and the artifacts
accumulate in ``.<out>.partial/``, and the finished artifacts are renamed to ``<out>`` in
one ``os.replace``. ``--resume`` picks the partial directory up again, only with the settings
it was started with (``settings.json``). One process at a time writes a run: it holds
``.<out>.lock`` from the first check to the end.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.engine.checkpoint import CHECKPOINT
from zoo.errors import UsageError
from zoo.integrity import write_atomic

SETTINGS = "settings.json"

if TYPE_CHECKING:
    from filelock import FileLock


@dataclass(frozen=True)
class RunStaging:
    output: Path

    @property
    def partial(self) -> Path:
        return self.output.parent / f".{self.output.name}.partial"

    @property
    def lockfile(self) -> Path:
        return self.output.parent / f".{self.output.name}.lock"

    @property
    def workdir(self) -> Path:
        return self.partial / "work"

    @property
    def artifacts(self) -> Path:
        return self.partial / "run"

    def lock(self) -> FileLock:
        """The run's lock, held (a ``filelock.FileLock``; release it when the run ends), or a
        UsageError naming the process that holds it. Left on disk: deleting a lock file that
        others may have opened would let two of them hold it."""
        from filelock import FileLock, Timeout

        self.output.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lockfile, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            try:
                holder = self.lockfile.read_text(errors="replace").strip()[:20]
            except OSError:
                holder = ""
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise UsageError(f"another zoo adapt is writing {self.output}{pid}; wait for it "
                             f"or choose another --output") from None
        self.lockfile.write_text(str(os.getpid()))
        return lock

    def refuse_if_locked(self) -> None:
        """Raise what :meth:`lock` would while another run holds the lock, creating nothing."""
        if self.lockfile.exists():
            self.lock().release()

    def check(self, resume: bool, settings: dict[str, Any] | None = None) -> None:
        """Refuse to overwrite a finished run, to restart over an interrupted one silently, to
        resume nothing, or to resume a run started with other ``settings`` (what changes its
        results: data, backbone, strategy, seed, ...; None before they are known). Changes
        nothing, so every process of a distributed run may call it."""
        if self.output.exists():
            raise UsageError(f"{self.output} already exists; choose another --output or remove it")
        if self.partial.exists() and not resume:
            raise UsageError(f"an interrupted run exists for {self.output}; add --resume to "
                             f"continue it, or remove {self.partial}")
        if resume and not self.partial.exists():
            raise UsageError(f"nothing to resume for {self.output}: no {self.partial}")
        if resume and settings is not None:
            self._check_settings(settings)

    def _check_settings(self, settings: dict[str, Any]) -> None:
        path = self.partial / SETTINGS
        start_over = f"remove {self.partial} to start over"
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            recorded = None
        if not isinstance(recorded, dict):
            raise UsageError(f"cannot resume {self.output}: {path} does not say how the run was "
                             f"started; {start_over}")
        now = json.loads(json.dumps(settings))  # compared as they were recorded
        differ = [k for k in now if recorded.get(k) != now[k]]
        if differ:
            was = ", ".join(f"{k} {_shown(recorded.get(k))}" for k in differ)
            new = ", ".join(f"{k} {_shown(now[k])}" for k in differ)
            raise UsageError(f"cannot resume {self.output}: the interrupted run used {was}, "
                             f"this one {new}; resume it with those, or {start_over}")

    def prepare(self, settings: dict[str, Any]) -> None:
        """Create the partial directory (its work is kept when resuming, its artifacts not),
        recording the ``settings`` a resume must repeat."""
        if self.artifacts.exists():
            shutil.rmtree(self.artifacts)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(parents=True)
        write_atomic(self.partial / SETTINGS, json.dumps(settings, indent=2))

    def discard_unresumable(self) -> None:
        """Remove the partial directory unless it holds a checkpoint: a run that failed
        before its first has nothing to resume, and the next must not be told to."""
        if not (self.workdir / CHECKPOINT).is_file():
            shutil.rmtree(self.partial, ignore_errors=True)

    def finish(self) -> Path:
        os.replace(self.artifacts, self.output)
        shutil.rmtree(self.partial, ignore_errors=True)
        return self.output


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
