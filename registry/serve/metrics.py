"""``GET /metrics``: the server's counters in Prometheus' text format, kept by prometheus_client
in a registry of the server's own (so two apps in one process never share a counter)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "ServeMetrics"]

#: Batch sizes are counted in powers of two up to the largest --max-batch people use.
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServeMetrics:
    def __init__(self, waiting: Callable[[], float], ready: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("zoo_serve_requests", "Requests to /predict, by HTTP status.",
                                ["status"], registry=self.registry)
        self.errors = Counter("zoo_serve_errors",
                              "Requests to /predict answered with an error (4xx or 5xx), by status.",
                              ["status"], registry=self.registry)
        self.inputs = Counter("zoo_serve_inputs", "Inputs labelled.", registry=self.registry)
        self.truncated = Counter("zoo_serve_truncated_inputs",
                                 "Inputs longer than the model reads, cut as in training.",
                                 registry=self.registry)
        self.batch_size = Histogram("zoo_serve_batch_size", "Inputs per forward pass.",
                                    buckets=BATCH_BUCKETS, registry=self.registry)
        self.latency = Histogram("zoo_serve_request_seconds",
                                 "Time from receiving a /predict request to answering it.",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        queued = Gauge("zoo_serve_queued_inputs", "Inputs accepted and not yet answered.",
                       registry=self.registry)
        queued.set_function(waiting)
        up = Gauge("zoo_serve_ready", "1 once the model is loaded and answering.",
                   registry=self.registry)
        up.set_function(ready)

    def answered(self, status: int, seconds: float | None = None) -> None:
        """Count one /predict answer (``seconds``: its latency, for answers that ran)."""
        self.requests.labels(str(status)).inc()
        if status >= 400:
            self.errors.labels(str(status)).inc()
        if seconds is not None:
            self.latency.observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)
