"""Request ids, access logs and Prometheus metrics for one app (logging setup: ``app.logs``).

Example:
    >>> app = FastAPI()
    >>> install_observability(app, kb_name="default")  # X-Request-ID, access log, GET /metrics
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotae.app.api.logs import RequestIdFilter, configure_logging, request_id_var
from kotae.kb import KBError, SnapshotNotFound

__all__ = ["RequestIdFilter", "configure_logging", "install_observability", "route_template"]

log = logging.getLogger("kotae.access")
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SCOPE_KEY = "kotae.request"  # shared by nested apps: the request id, whether it was counted
# The classic text format (what this output is), which every Prometheus version reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"  # one label for every path no route matches (404s): bounded cardinality


def route_template(scope: Scope, root_path: str = "") -> str | None:
    """The template of the route that served ``scope`` (``/help/articles/{doc_id}``), or None
    when no route matched. Call it after the app has handled the request.

    Routers hide their include prefixes and mounts from ``scope["route"]``, so the part of the
    path before the route's own match is kept, with mount parameters put back as ``{name}``:
    never a raw value, which would make a label per URL.
    """
    route = scope.get("route")
    regex, template = getattr(route, "path_regex", None), getattr(route, "path_format", None)
    if regex is None or template is None:  # a mounted app without routes (static files)
        mounted = scope.get("root_path", "").removeprefix(root_path)
        return _named(mounted, scope, {}) + "/{path}" if mounted else None
    path = scope["path"].removeprefix(root_path)
    found = re.search(regex.pattern.removeprefix("^"), path)
    prefix = path[: found.start()] if found else ""
    return _named(prefix, scope, getattr(route, "param_convertors", {})) + template


def _named(prefix: str, scope: Scope, own: dict[str, Any]) -> str:
    """``/kb/acme`` -> ``/kb/{name}`` for the path parameters the route itself does not own."""
    names = {str(value): f"{{{name}}}" for name, value in scope.get("path_params", {}).items()
             if name not in own}
    return "/".join(names.get(part, part) for part in prefix.split("/")) if prefix else ""


class ObservabilityMiddleware:
    """Pure ASGI (streaming responses and background tasks pass through untouched)."""

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram,
                 kb_name: str) -> None:
        self.app, self.kb_name = app, kb_name
        self.requests, self.latency = requests, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A KB app mounted in another app has this middleware too: one id per request, and the
        # request is logged and counted once, by the innermost app (its KB's label).
        shared: dict[str, Any] | None = scope.get(SCOPE_KEY)
        outermost = shared is None
        if shared is None:
            incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
            rid = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
            shared = scope[SCOPE_KEY] = {"request_id": rid, "recorded": False}
        request_id: str = shared["request_id"]
        root_path = scope.get("root_path", "")
        start, status, done = time.perf_counter(), 500, 0.0
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = message["status"]
                if outermost:
                    headers = [(k, v) for k, v in message.get("headers", [])
                               if k.lower() != b"x-request-id"]
                    headers.append((b"x-request-id", request_id.encode()))
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                done = time.perf_counter()  # background tasks run after this: not latency
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not shared["recorded"]:
                shared["recorded"] = True
                self._record(scope, root_path, status, (done or time.perf_counter()) - start)
            request_id_var.reset(token)

    def _record(self, scope: Scope, root_path: str, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        route = route_template(scope, root_path) or UNMATCHED
        labels = (self.kb_name, method, route, f"{status // 100}xx")
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)
        client = scope.get("client")
        log.info("%s %s %d %.1fms", method, route, status, seconds * 1000, extra={
            "http_method": method, "route": route, "status": status, "kb": self.kb_name,
            "duration_ms": round(seconds * 1000, 1), "client": client[0] if client else None})


class IndexCollector(Collector):
    """Index size and serving snapshot, read from the KB's searcher at scrape time."""

    def __init__(self, fastapi_app: FastAPI, kb_name: str) -> None:
        self.fastapi_app, self.kb_name = fastapi_app, kb_name

    def _families(self) -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily("kotae_index_serving", "1 when an index is serving, else 0",
                              labels=["kb"]),
            GaugeMetricFamily("kotae_index_documents", "Documents in the serving snapshot",
                              labels=["kb"]),
            GaugeMetricFamily("kotae_index_chunks", "Chunks in the serving snapshot",
                              labels=["kb"]),
            GaugeMetricFamily("kotae_snapshot_info", "The serving snapshot (value is always 1)",
                              labels=["kb", "snapshot", "embedder"]),
        )

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterator[Metric]:
        serving, documents, chunks, info = self._families()
        services = getattr(self.fastapi_app.state, "services", None)
        searcher = services.kb.searcher if services is not None else None
        manifest = version = None
        if searcher is not None:
            try:
                manifest, version = searcher.manifest(), searcher.snapshots.version()
            except SnapshotNotFound:
                pass
            except KBError as exc:  # corrupt snapshot, embedder mismatch: /healthz says 503
                logging.getLogger("kotae.metrics").warning("index not readable: %s", exc)
        serving.add_metric([self.kb_name], 1 if manifest else 0)
        yield serving
        if manifest is not None:
            documents.add_metric([self.kb_name], manifest.documents)
            chunks.add_metric([self.kb_name], manifest.chunks)
            info.add_metric([self.kb_name, version or "", manifest.embedder], 1)
            yield from (documents, chunks, info)


class KbSeries(Collector):
    """The series of one KB (``kb=NAME``) among those every worker process wrote to
    ``PROMETHEUS_MULTIPROC_DIR``: what ``kotae serve --workers N`` scrapes, summed over the
    processes (a worker that died still counts what it served)."""

    def __init__(self, path: str, kb_name: str) -> None:
        self.kb_name = kb_name
        self.processes = MultiProcessCollector(None, path)  # None: registered only here

    def collect(self) -> Iterator[Metric]:
        for metric in self.processes.collect():
            metric.samples = [s for s in metric.samples if s.labels.get("kb") == self.kb_name]
            if metric.samples:
                yield metric


def scrape_registry(own: CollectorRegistry, fastapi_app: FastAPI, kb_name: str
                    ) -> CollectorRegistry:
    """What ``/metrics`` shows: this process's registry, or with several worker processes
    (``PROMETHEUS_MULTIPROC_DIR`` set, as prometheus_client's multiprocess mode wants) the
    request series of all of them plus the index gauges, read at scrape time."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return own
    registry = CollectorRegistry()
    registry.register(KbSeries(path, kb_name))
    registry.register(IndexCollector(fastapi_app, kb_name))
    return registry


def install_observability(app: FastAPI, kb_name: str = "default",
                          metrics_route: dict[str, Any] | None = None) -> None:
    """Request ids and access logs on every request, and ``GET /metrics`` for Prometheus.

    ``metrics_route``: extra keyword arguments of the ``/metrics`` route (kotae's app passes
    ``allow(Role.ADMIN)``: request volumes per KB are not for the public).

    Each app gets its own registry (several apps share a process in tests and in one server
    mounting several KBs); every series carries ``kb=kb_name``.
    """
    registry = CollectorRegistry()  # its request series go to files in multiprocess mode
    labels = ["kb", "method", "route", "status"]
    requests = Counter("kotae_http_requests", "HTTP requests by route template and status class",
                       labels, registry=registry)
    latency = Histogram("kotae_http_request_duration_seconds",
                        "Time to the last byte of the response", labels, registry=registry)
    registry.register(IndexCollector(app, kb_name))
    app.state.metrics_registry = scraped = scrape_registry(registry, app, kb_name)
    app.add_middleware(ObservabilityMiddleware, requests=requests, latency=latency,
                       kb_name=kb_name)

    @app.get("/metrics", include_in_schema=False, **(metrics_route or {}))
    def metrics() -> Response:  # sync: reading the manifest touches the disk
        return Response(generate_latest(scraped), media_type=CONTENT_TYPE)
