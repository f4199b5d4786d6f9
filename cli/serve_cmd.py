"""zoo serve: a run behind an HTTP endpoint (docs/serving.md)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import click

from zoo.errors import UsageError

from .run_cmds import BACKEND, BF16

INSTALL = "pip install -c constraints.txt -e '.[serve]' (or 'zoo[serve]')"


def _require_extra() -> None:
    import importlib

    for module in ("fastapi", "uvicorn", "prometheus_client", "python_multipart"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise UsageError(f"zoo serve needs the serve extra, and {module} is not installed: "
                             f"{INSTALL}") from None


def _positive(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value < 1:
        raise click.BadParameter("must be at least 1")
    return value


@click.command("serve")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: loopback unless you say otherwise (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free one; the banner says which).")
@BACKEND
@BF16
@click.option("--max-batch", type=int, default=32, show_default=True, callback=_positive,
              help="The most inputs one forward pass takes (1: no batching).")
@click.option("--max-wait-ms", type=click.FloatRange(0), default=5.0, show_default=True,
              help="How long a batch waits for more requests once one has arrived.")
@click.option("--max-inputs", type=int, default=256, show_default=True, callback=_positive,
              help="The most inputs one request may carry (more: 413).")
@click.option("--max-body-bytes", type=int, default=4 << 20, show_default=True,
              callback=_positive, help="The largest request body (larger: 413).")
@click.option("--json", "as_json", is_flag=True, help="Banner and logs as JSON lines, for machines.")
def serve_cmd(run_dir: Path, host: str, port: int, backend: str, bf16: bool | None,
              max_batch: int, max_wait_ms: float, max_inputs: int, max_body_bytes: int,
              as_json: bool) -> None:
    """Serve the model in RUN_DIR over HTTP, in the foreground, with dynamic batching.

    \b
    POST /predict {"inputs": [...]}   labels and scores, as zoo predict --json
    GET  /health /info /metrics /docs
    \b
    Examples:
      zoo serve RUN                              # http://127.0.0.1:8000
      zoo serve RUN --backend onnx --port 9000   # after zoo export RUN
    """
    from zoo import get_zoo
    from zoo.rundir import read_run

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host != "localhost":
            raise UsageError(f"--host {host!r} is not an IP address: give one such as 127.0.0.1 "
                             "(loopback) or 0.0.0.0 (every interface)") from None
    if bf16 and backend != "torch":
        raise UsageError(f"--bf16 is for --backend torch; --backend {backend} runs the export as written")
    read_run(run_dir)  # a run directory, checked before anything is bound
    if backend != "torch":
        from zoo.onnx_backend import EXPORT_DIR, QUANTIZED, RECORD

        if not (run_dir / EXPORT_DIR / RECORD).is_file():
            raise UsageError(f"{run_dir} has no ONNX export; run `zoo export {run_dir}` first")
        if backend == "onnx-int8" and not (run_dir / EXPORT_DIR / QUANTIZED).is_file():
            raise UsageError(f"{run_dir} has no int8 export; run `zoo export {run_dir} --quantize int8`")
    _require_extra()
    from zoo.serve.app import Settings
    from zoo.serve.server import serve

    settings = Settings(run_dir, backend, bf16, max_batch, max_wait_ms, max_inputs, max_body_bytes)
    sys.exit(serve(settings, get_zoo(), host.strip("[]"), port, as_json))
