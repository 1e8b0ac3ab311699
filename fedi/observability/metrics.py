"""GET /metrics for Prometheus: HTTP traffic, and the durable work (deliveries, received
activities, generations, queued jobs) counted from the database at scrape time.

Served to loopback and `server.trusted_proxies` only: the numbers describe the instance's peers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedi.api.context import run_sync, runtime_of
from fedi.errors import NotFound
from fedi.models.federation import Delivery, InboxItem
from fedi.models.generations import Generation
from fedi.runtime import Runtime
from fedi.store import instance as instance_store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """One registry per application (tests build many apps in one process)."""

    def __init__(self, runtime: Runtime) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fedi_http_requests", "HTTP requests answered", ["method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "fedi_http_request_seconds", "Time to answer an HTTP request", registry=self.registry
        )
        self.registry.register(_WorkCollector(runtime))


class _WorkCollector(Collector):
    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._rt.db.reader() as session:
            for name, model, help_text in (
                ("fedi_deliveries", Delivery, "Outgoing deliveries by state"),
                ("fedi_inbox_items", InboxItem, "Received activities by state"),
                ("fedi_generations", Generation, "Image generations by state"),
            ):
                family = GaugeMetricFamily(name, help_text, labels=["state"])
                for state, count in instance_store.count_by_state(session, model):
                    family.add_metric([state], count)
                yield family
        jobs = GaugeMetricFamily("fedi_jobs_waiting", "Jobs waiting in the job engine", labels=["queue"])
        for queue in ("main", "gpu"):
            jobs.add_metric([queue], self._rt.jobs.pending(queue))
        yield jobs


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            self.metrics.latency.observe(time.perf_counter() - started)
            self.metrics.requests.labels(scope["method"], str(status[0])).inc()


async def endpoint(request: Request) -> Response:
    rt = runtime_of(request)
    client = request.client.host if request.client else ""
    if client not in ("127.0.0.1", "::1", *rt.settings.server.trusted_proxies):
        raise NotFound()
    metrics: Metrics = request.app.state.metrics
    return Response(await run_sync(generate_latest, metrics.registry), media_type=CONTENT_TYPE)
