"""Prometheus metrics, request ids and access logs for the API (one pure ASGI middleware).

Metrics live in a registry per app (no module-level globals). With ``--workers N`` each worker
process has its own registry, so ``/metrics`` shows the worker that answered; run one worker per
container (or scrape each) when exact totals matter.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

access_log = logging.getLogger("serving.access")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SCORE_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Metrics:
    """The app's metrics: request latency by route and status, scores by model version."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "leadscope_http_request_duration_seconds",
            "HTTP request latency by route template, method and status",
            ["route", "method", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scores = Histogram(
            "leadscope_score",
            "Distribution of served scores (0-100) by model and version: watch it for drift",
            ["model", "version"],
            buckets=_SCORE_BUCKETS,
            registry=self.registry,
        )
        self.stages = Counter(
            "leadscope_stage_predictions",
            "Predicted lifecycle stages by model and version",
            ["model", "version", "stage"],
            registry=self.registry,
        )
        self.records = Counter(
            "leadscope_scored_records",
            "Records scored by model and version",
            ["model", "version"],
            registry=self.registry,
        )
        self.model_info = Gauge(
            "leadscope_model_info",
            "1 for the model version currently served",
            ["model", "alias", "version"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "leadscope_rate_limited",
            "Requests refused with 429, by key id",
            ["key_id"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "leadscope_auth_failures",
            "Failed authentications: refused (401) or limited (429, too many from one address)",
            ["outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "leadscope_events_ingested",
            "Events posted, by outcome (inserted, duplicate)",
            ["outcome"],
            registry=self.registry,
        )

    def observe_scores(self, model: str, version: str, results: Iterable[dict[str, Any]]) -> None:
        hist = self.scores.labels(model, version)
        n = 0
        stages: dict[str, int] = {}
        for r in results:
            n += 1
            score = r.get("score")
            if score is not None:
                hist.observe(float(score))
            stage = r.get("stage")
            if stage is not None:
                stages[stage] = stages.get(stage, 0) + 1
        self.records.labels(model, version).inc(n)
        for stage, count in stages.items():
            self.stages.labels(model, version, stage).inc(count)

    def set_model(self, model: str, alias: str, version: str, old_version: str | None) -> None:
        if old_version is not None:
            self.model_info.labels(model, alias, old_version).set(0)
        self.model_info.labels(model, alias, version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class ObservabilityMiddleware:
    """Request id (``X-Request-ID``, taken from the caller when sane), latency metrics by route
    template and status, and one access-log line per request."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        rid_header = (b"x-request-id", request_id.encode())

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.latency.labels(template, scope["method"], str(status)).observe(elapsed)
            state = scope.get("state", {})
            access_log.info(
                '%s "%s %s" %d %.1fms key=%s rid=%s',
                (scope.get("client") or ("-",))[0],
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                state.get("key_id", "-"),
                request_id,
            )
