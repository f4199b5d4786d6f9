"""``zoo serve`` as a real subprocess on a free loopback port, and plain HTTP to it (stdlib
only), for the core's serve tests and zoo-vision's alike."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

#: How long a test waits for the server to listen and to load its model.
START_TIMEOUT = 180.0


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ServeProcess:
    """``zoo serve RUN_DIR --port 0 --json ARGS`` started on loopback; ``url`` is read from its
    banner (the first line it prints), so no port is guessed."""

    run_dir: Path
    args: Sequence[str] = ()
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)
    url: str = ""
    banner: dict[str, Any] = field(default_factory=dict)
    log: IO[str] = field(init=False, repr=False)

    def start(self) -> ServeProcess:
        command = [sys.executable, "-m", "zoo.cli.main", "serve", str(self.run_dir),
                   "--host", "127.0.0.1", "--port", "0", "--json", *self.args]
        # The log goes to a file: a pipe nobody reads would stall a server that logs a lot.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        return self

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def wait_listening(self) -> ServeProcess:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=60)
            raise AssertionError(f"zoo serve exited ({self.proc.returncode}) before listening: "
                                 f"{self.stderr()}")
        self.banner = json.loads(line)
        self.url = self.banner["url"]
        return self

    def wait_ready(self) -> ServeProcess:
        """Until ``GET /health`` says ready (the model is loaded)."""
        if not self.url:
            self.wait_listening()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.get("/health").status == 200:
                return self
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"zoo serve exited ({self.proc.returncode}) while loading: "
                                     f"{self.stderr()}")
            time.sleep(0.1)
        raise AssertionError("zoo serve did not become ready")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                                timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.read(),
                         {k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any, timeout: float = 60) -> Reply:
        return self.request("POST", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json"}, timeout)

    def post_files(self, path: str, files: Sequence[tuple[str, bytes]]) -> Reply:
        """A multipart/form-data upload of ``files`` (name, bytes), each as an ``inputs`` part."""
        boundary = "zoo-test-boundary-7d1f"
        parts = []
        for name, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="inputs"; '
                         f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                         .encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def metrics(self) -> dict[str, float]:
        """``GET /metrics`` as sample name (with labels) to value, parsed by prometheus_client."""
        from prometheus_client.parser import text_string_to_metric_families

        text = self.get("/metrics").body.decode()
        out = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return out

    def terminate(self) -> tuple[int, str, str]:
        """SIGTERM, then the exit code and what it printed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, self.stderr()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)
        if hasattr(self, "log"):
            self.log.close()
