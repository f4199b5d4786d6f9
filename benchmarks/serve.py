"""Benchmark (issue 18): zoo serve's dynamic batching against the same server answering each
request with its own forward pass (``--max-batch 1``), measured in the same run.

For each backend (torch, onnx), a server with batching (``--max-batch 32 --max-wait-ms 5``)
and one without are started in turn on a free loopback port; each gets ``--requests`` POSTs
of one text each from 1, 8 and 32 concurrent clients (threads on keep-alive connections),
after a short warm-up; both servers of a backend are up together and take turns at each
concurrency. Printed: requests/s and p50/p99 latency per setting; at each concurrency the
batched server's throughput as a multiple of the baseline's and its p99 as a fraction of the
baseline's; and the model alone in this process, one input at a time against 32 (the most
batching can gain). Loopback only, and every loop is bounded by --requests.

    python benchmarks/serve.py RUN_DIR [--backends torch,onnx] [--requests 300] [--clients 1,8,32]

The run must be exported first for the onnx backend (`zoo export RUN`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zoo.testing.serving import ServeProcess

WORDS = ("the film was a good great awful dull boring fine moving slow funny long short plot "
         "acting script score scenes cast story ending charm mess gem delight bore").split()


def texts(n: int, seed: int = 0) -> list[str]:
    """Review-like sentences of 4 to 40 words, the same every run."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40))) for _ in range(n)]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load(url: str, sentences: Sequence[str], clients: int) -> dict[str, float]:
    """Every sentence POSTed once, by ``clients`` threads taking them in turn."""
    parts = urlsplit(url)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(sentences))

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    text = queue.pop()
                body = json.dumps({"inputs": [text]}).encode()
                start = time.perf_counter()
                connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    (latencies.append(elapsed) if response.status == 200
                     else failures.append(str(response.status)))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {failures[:5]}")
    return {"rps": len(latencies) / wall, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99)}


def measure(run_dir: Path, backend: str, settings: dict[str, list[str]],
            sentences: Sequence[str], clients: Sequence[int],
            warmup: int) -> dict[str, dict[int, dict[str, float]]]:
    """Both servers up at once, loaded one after the other at each concurrency, so that the
    shared machine's drift falls on both alike."""
    servers = {name: ServeProcess(run_dir, ["--backend", backend, *args]).start()
               for name, args in settings.items()}
    try:
        for server in servers.values():
            server.wait_ready()
            load(server.url, sentences[:warmup], max(clients))
        figures: dict[str, dict[int, dict[str, float]]] = {name: {} for name in servers}
        for c in clients:
            for name, server in servers.items():
                figures[name][c] = load(server.url, sentences, c)
                f = figures[name][c]
                print(f"{backend:8} {name:9} {c:7d} {f['rps']:8.1f} {f['p50_ms']:8.1f} "
                      f"{f['p99_ms']:8.1f}", flush=True)
        return figures
    finally:
        for server in servers.values():
            server.terminate()


def ceiling(run_dir: Path, backend: str, sentences: Sequence[str]) -> tuple[float, float]:
    """The model alone, in this process: ms per input answering one at a time and 32 at a
    time (the most any batching can gain, before HTTP)."""
    from zoo import get_zoo
    from zoo.serve.model import load_served

    model = load_served(run_dir, backend, get_zoo())
    model.answer(list(sentences[:32]))
    start = time.perf_counter()
    for text in sentences[:32]:
        model.answer([text])
    single = (time.perf_counter() - start) / 32
    start = time.perf_counter()
    for i in range(0, len(sentences), 32):
        model.answer(list(sentences[i:i + 32]))
    return 1000 * single, 1000 * (time.perf_counter() - start) / len(sentences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--backends", default="torch,onnx")
    parser.add_argument("--requests", type=int, default=300, help="Requests per setting.")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--warmup", type=int, default=32)
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    sentences = texts(args.requests)
    settings = {"batched": ["--max-batch", "32", "--max-wait-ms", "5"],
                "baseline": ["--max-batch", "1"]}
    results: dict[str, Any] = {}
    print(f"{'backend':8} {'server':9} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for backend in args.backends.split(","):
        results[backend] = measure(args.run_dir, backend, settings, sentences, clients,
                                   args.warmup)
    print()
    for backend in args.backends.split(","):
        batched, baseline = results[backend]["batched"], results[backend]["baseline"]
        for c in clients:
            print(f"{backend} at {c} clients: {batched[c]['rps'] / baseline[c]['rps']:.2f}x the "
                  f"baseline's throughput, p99 {batched[c]['p99_ms'] / baseline[c]['p99_ms']:.2f}x "
                  "the baseline's")
    for backend in args.backends.split(","):
        one, many = ceiling(args.run_dir, backend, sentences[:96])
        print(f"{backend} model alone: {one:.1f} ms per input one at a time, {many:.1f} ms at "
              f"32 at a time ({one / many:.2f}x)")

if __name__ == "__main__":
    main()
