"""Running the app under uvicorn in the foreground: the banner once it listens, logs as text
or JSON lines, and a SIGTERM (or Ctrl+C) that stops accepting, answers what was accepted
and exits 0."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

import uvicorn

from zoo.app import Zoo

from zoo.serve.app import Settings, State, create_app
from zoo.serve.model import run_info


class JsonFormatter(logging.Formatter):
    """One JSON object per log line, for machines (``zoo serve --json``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": round(record.created, 3), "level": record.levelname.lower(),
                                 "logger": record.name, "message": record.getMessage()}
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            entry.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry)


def log_config(as_json: bool) -> dict[str, Any]:
    """uvicorn's loggers and zoo.serve's, to stderr, as text or JSON lines (Python warnings
    too, through logging)."""
    formatter = ({"()": f"{__name__}.JsonFormatter"} if as_json
                 else {"format": "%(levelname)s %(name)s: %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["default"], "level": "INFO", "propagate": False}
               for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "zoo.serve")}
    # Everything else (the model libraries' warnings) through the same handler, at WARNING.
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"default": formatter},
            "handlers": {"default": handler}, "loggers": loggers,
            "root": {"handlers": ["default"], "level": "WARNING"}}


class _Server(uvicorn.Server):
    """uvicorn's server, telling where it listens once it does and draining the batcher as
    soon as a signal asks it to stop."""

    def __init__(self, config: uvicorn.Config, state: State, as_json: bool) -> None:
        super().__init__(config)
        self.zoo_state = state
        self.as_json = as_json
        self.failed = False
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: Sequence[Any] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets=list(sockets) if sockets is not None else None)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            banner(self.zoo_state, str(host), int(port), self.as_json)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        batcher = self.zoo_state.batcher
        if batcher is not None and self.loop is not None:
            # A signal handler may interrupt the loop anywhere: hand it the call safely.
            self.loop.call_soon_threadsafe(batcher.drain)

    def fatal(self) -> None:
        self.failed = True
        self.should_exit = True


def url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def banner(state: State, host: str, port: int, as_json: bool) -> None:
    info, settings = state.info, state.settings
    model = f"{info.get('entry')}/{info['task']}"
    if as_json:
        line = json.dumps({"event": "listening", "url": url(host, port), "backend": settings.backend,
                           "model": model, "run": str(settings.run_dir), "time": round(time.time(), 3)})
    else:
        line = (f"zoo serve: {model} ({settings.run_dir}) on {settings.backend}, listening on "
                f"{url(host, port)}  (API docs at {url(host, port)}/docs, Ctrl+C to stop)")
    print(line, flush=True)


def _ignore(signum: int, frame: Any) -> None:
    """What a signal does once uvicorn has handled it: nothing, so the process exits 0."""


def serve(settings: Settings, zoo: Zoo, host: str, port: int, as_json: bool) -> int:
    """Serve in the foreground until a signal; the exit code (0, or 1 if the model failed).
    The run loads through ``zoo``'s domains and heads."""
    state = State(settings, run_info(settings.run_dir, settings.backend))
    app = create_app(settings, zoo, state)
    config = uvicorn.Config(app, host=host, port=port, log_config=log_config(as_json),
                            lifespan="on", access_log=True, server_header=False)
    logging.captureWarnings(True)
    server = _Server(config, state, as_json)
    state.on_fatal = server.fatal
    # uvicorn re-raises the signal that stopped it once it has shut down; handled by a no-op,
    # a SIGTERM that was served gracefully ends with exit 0 instead of death by signal.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _ignore)
    server.run()
    sys.stdout.flush()
    return 1 if server.failed or not server.started else 0
