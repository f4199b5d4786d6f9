"""The FastAPI application of ``zoo serve``: /predict, /health, /info, /metrics and the docs.

The app starts answering at once and loads the model on a thread (``/health`` says 503
until it is ready); every error is a 4xx/5xx whose body is one line, ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from zoo.app import Zoo
from zoo.errors import ZooError
from zoo.serve.batcher import Batcher
from zoo.serve.inputs import Parsed, RequestError, parse_files, parse_json
from zoo.serve.limits import BodyLimit
from zoo.serve.metrics import CONTENT_TYPE_LATEST, ServeMetrics
from zoo.serve.model import ServedModel, load_served, run_info

log = logging.getLogger("zoo.serve")


@dataclass
class Settings:
    run_dir: Path
    backend: str = "torch"
    bf16: bool | None = None
    max_batch: int = 32
    max_wait_ms: float = 5.0
    #: The most inputs one request may carry (more: 413).
    max_inputs: int = 256
    #: The largest request body, in bytes (larger: 413).
    max_body_bytes: int = 4 << 20


@dataclass
class State:
    settings: Settings
    info: dict[str, Any]
    model: ServedModel | None = None
    batcher: Batcher | None = None
    failed: str | None = None
    #: Called when the model cannot load: the server stops (exit 1).
    on_fatal: Callable[[], None] = field(default=lambda: None)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


PREDICT_BODY = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": {
            "type": "object", "required": ["inputs"],
            "properties": {"inputs": {
                "type": "array", "minItems": 1,
                "description": "Texts; lists of words for a token head; for an image run "
                               "objects {\"image\": \"<base64>\", \"name\": \"...\"}.",
                "items": {}}}},
            "example": {"inputs": ["a gorgeous film", "dull and far too long"]}},
        "multipart/form-data": {"schema": {
            "type": "object", "properties": {"inputs": {
                "type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


class Service:
    """What the app's routes share: the settings, the zoo that loads the run, the state the
    server sees, and the metrics. Each route is one method, registered by :func:`create_app`."""

    def __init__(self, settings: Settings, zoo: Zoo, state: State) -> None:
        self.settings, self.zoo, self.state = settings, zoo, state
        self.metrics = ServeMetrics(waiting=lambda: state.batcher.waiting if state.batcher else 0,
                                    ready=lambda: 1 if state.model is not None else 0)

    async def load(self) -> None:
        """Load the model on a thread and start its batcher; a failure stops the server."""
        settings, state = self.settings, self.state
        try:
            model = await asyncio.to_thread(load_served, settings.run_dir, settings.backend,
                                            self.zoo, settings.bf16)
        except Exception as exc:  # noqa: BLE001 - reported as one line; the server stops
            state.failed = " ".join(str(exc).split()) or type(exc).__name__
            log.error("zoo serve: cannot load %s: %s", settings.run_dir, state.failed)
            state.on_fatal()
            return

        model.on_pass = self.metrics.batch_size.observe
        batcher = Batcher(model.answer, settings.max_batch, settings.max_wait_ms / 1000)
        batcher.start()
        state.batcher, state.model = batcher, model
        log.info("zoo serve: model loaded, ready")

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(self.load())
        yield
        loading.cancel()
        if self.state.batcher is not None:
            await self.state.batcher.close()

    async def health(self) -> JSONResponse:
        if self.state.model is None:
            return JSONResponse({"status": "failed" if self.state.failed else "loading"},
                                status_code=503)
        return JSONResponse({"status": "ready"})

    async def info(self) -> dict[str, Any]:
        settings, model = self.settings, self.state.model
        return {**self.state.info, "max_batch": settings.max_batch,
                "max_wait_ms": settings.max_wait_ms, "max_inputs": settings.max_inputs,
                "max_body_bytes": settings.max_body_bytes,
                "max_length": model.max_length if model else None}

    async def prometheus(self) -> Response:
        return Response(self.metrics.text(), media_type=CONTENT_TYPE_LATEST)

    async def predict(self, request: Request) -> JSONResponse:
        started = time.perf_counter()
        try:
            response = await self.answer(request)
        except RequestError as exc:
            response = error(exc.status, exc.message)
        except ZooError as exc:  # the domain refused an input
            response = error(400, str(exc))
        except Exception as exc:  # noqa: BLE001 - the server survives; the client is told
            log.exception("zoo serve: /predict failed")
            response = error(500, f"the model failed on this request ({type(exc).__name__}); "
                                  "the server log has the details")
        self.metrics.answered(response.status_code, time.perf_counter() - started)
        return response

    async def answer(self, request: Request) -> JSONResponse:
        model, batcher = self.state.model, self.state.batcher
        if model is None or batcher is None:
            raise RequestError(503, "the model is still loading: retry when GET /health says ready")
        parsed = await self.parse(request, model)
        results = await batcher.submit(parsed.inputs)
        predictions, cut = [], []
        for i, (shown, (prediction, truncated)) in enumerate(zip(parsed.shown, results)):
            row = {"input": shown, **prediction}
            if truncated:
                row["truncated"] = True
                cut.append(i)
            predictions.append(row)
        body: dict[str, Any] = {"predictions": predictions}
        if cut:
            self.metrics.truncated.inc(len(cut))
            body["warnings"] = [f"input {i} is longer than the model's {model.max_length} tokens: "
                                f"only its first {model.max_length} were read, as in training"
                                for i in cut]
        self.metrics.inputs.inc(len(predictions))
        return JSONResponse(body)

    async def parse(self, request: Request, model: ServedModel) -> Parsed:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            return await self.parse_form(request, model)
        if kind not in ("application/json", ""):
            raise RequestError(415, f"the body is {kind}: send application/json "
                                    "(or multipart/form-data image files for an image run)")
        body = await request.body()
        return await asyncio.to_thread(parse_json, body, model.images, model.words,
                                       self.settings.max_inputs)

    async def parse_form(self, request: Request, model: ServedModel) -> Parsed:
        most = self.settings.max_inputs
        try:
            form = await request.form(max_files=most + 1, max_fields=most + 1)
        except HTTPException as exc:
            raise RequestError(400, f"a malformed multipart upload ({exc.detail})") from None
        files = []
        for _, value in form.multi_items():
            if isinstance(value, str):
                raise RequestError(400, "a multipart upload carries image files only, "
                                        "each as a file part")
            files.append((value.filename or "upload", await value.read()))
        return await asyncio.to_thread(parse_files, files, model.images, most)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own errors (404, 405, ...) as one line, like every other."""
    return error(exc.status_code, str(exc.detail))


def create_app(settings: Settings, zoo: Zoo, state: State | None = None) -> FastAPI:
    """The app for ``settings``, its run loaded through ``zoo``'s domains and heads; ``state``
    is shared with the server that runs it."""
    state = state or State(settings, run_info(settings.run_dir, settings.backend))
    service = Service(settings, zoo, state)
    app = FastAPI(title="zoo serve", lifespan=service.lifespan,
                  description=f"The zoo run {state.info.get('entry')} / {state.info['task']} "
                              f"on {settings.backend}. Errors are {{\"error\": \"one line\"}}.")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       rejected=lambda path: service.metrics.answered(413)
                       if path == "/predict" else None)
    app.exception_handler(HTTPException)(http_error)
    app.get("/health", summary="200 once the model is loaded and answering, 503 before")(
        service.health)
    app.get("/info", summary="The run: entry, revision, task, labels, strategy, test metrics")(
        service.info)
    app.get("/metrics", summary="Prometheus text format")(service.prometheus)
    app.post("/predict", openapi_extra=PREDICT_BODY,
             summary="Label inputs: the labels and scores of `zoo predict --json`")(service.predict)
    return app
