"""`GET /metrics` in Prometheus text format, a request id on every answer, JSON log lines.

Requests are counted and timed by route template (not by path: an id per series would grow
without end). The planner's figures (re-plans, plan size, unassigned, alerts, outbox, stream)
are read from the database (and Redis) when Prometheus scrapes, so they are right whichever
process planned. Each app has its own registry (tests build many apps).
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatcher.alerts.models import Alert, AlertState
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from dispatcher.planning.models import PlanVersion

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
_PROCESS = uuid.uuid4().hex[:12]
_SEQUENCE = itertools.count(1)
log = logging.getLogger("dispatch.http")


class HttpMetrics:
    """The request counter and latency histogram of one app."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("dispatch_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=registry)
        self.seconds = Histogram("dispatch_http_request_seconds", "time to answer",
                                 ["method", "route"], registry=registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1,
                                          2.5, 5, 10))
        self.gps_fixes = Counter("dispatch_gps_fixes", "GPS fixes taken", registry=registry)
        self._templates: dict[Any, str] | None = None
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def series(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        """The counter and histogram children of a request (looked up once per series: the
        GPS path pays a dict read, not two labelled lookups under a lock)."""
        key = (method, route, status)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = (self.requests.labels(method, route, str(status)),
                                         self.seconds.labels(method, route))
        return found

    def template(self, scope: Scope) -> str:
        """The full path template of the route that answered (an included router's route
        knows only its own part of the path), or the app it served a file of."""
        if self._templates is None:
            from api.contract import api_routes

            self._templates = {r.endpoint: r.path_format for r in api_routes(scope["app"])}
        endpoint = scope.get("endpoint")
        if endpoint in self._templates:
            return self._templates[endpoint]
        first = scope["path"].split("/")[1] if scope["path"].count("/") > 1 else ""
        return f"/{first}/*" if first in ("app", "console", "followup") else "unmatched"


def install(app: FastAPI, engine: Engine) -> HttpMetrics:
    """Add the middleware and `GET /metrics` (open like /healthz; not part of the API)."""
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    registry.register(StateCollector(engine))
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware)

    @app.get("/metrics", include_in_schema=False)
    def scrape() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE)

    return metrics


class MetricsMiddleware:
    """Times each request, counts it by route template and status, and gives it an id
    (`X-Request-ID`, taken from the request when it has a sane one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        start, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _observe(scope, status, time.perf_counter() - start)
            REQUEST_ID.reset(token)


def request_id_of(scope: Scope) -> str:
    """The request's own `X-Request-ID` when it is sane, else a new one."""
    given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
    text = given.decode("latin-1")
    if 0 < len(text) <= 64 and text.isascii() and text.isprintable():
        return text
    return f"{_PROCESS}-{next(_SEQUENCE):x}"  # unique across processes; cheaper than uuid4


def _observe(scope: Scope, status: int, seconds: float) -> None:
    metrics: HttpMetrics = scope["app"].state.metrics
    route = metrics.template(scope)
    counter, timer = metrics.series(scope["method"], route, status)
    counter.inc()
    timer.observe(seconds)
    if status >= 500 or status == 429:
        log.warning("%s %s -> %d in %.1f ms", scope["method"], scope["path"], status,
                    seconds * 1000)


class StateCollector(Collector):
    """The planner's and the monitor's figures, read from the database at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        with self.engine.sessions() as s:
            yield from _plans(s.scalars(select(PlanVersion).where(
                PlanVersion.version.in_(select(func.max(PlanVersion.version))
                                        .group_by(PlanVersion.region)))).all())
            yield _replans(s.execute(select(PlanVersion.trigger, func.count())
                                     .group_by(PlanVersion.trigger)).all())
            alerts = GaugeMetricFamily("dispatch_alerts_open", "open alerts", labels=["kind"])
            for kind, count in s.execute(select(Alert.kind, func.count()).where(
                    Alert.state != AlertState.resolved).group_by(Alert.kind)):
                alerts.add_metric([kind.value], count)
            yield alerts
            pending, oldest = s.execute(select(func.count(), func.min(Event.at)).where(
                Event.published_at.is_(None))).one()
        yield from _outbox(pending, oldest, self.engine.clock.now())
        yield from _stream(self.engine)


def _plans(latest: list[PlanVersion]) -> Iterator[Metric]:
    """The latest plan of each region: its solve time, size and unassigned by reason."""
    solve = GaugeMetricFamily("dispatch_plan_solve_seconds", "the latest re-plan's solve time",
                              labels=["region", "trigger"])
    stops = GaugeMetricFamily("dispatch_plan_stops", "stops on the latest plan's routes",
                              labels=["region"])
    routes = GaugeMetricFamily("dispatch_plan_routes", "routes of the latest plan",
                               labels=["region"])
    unassigned = GaugeMetricFamily("dispatch_plan_unassigned", "tickets the latest plan left "
                                   "unassigned", labels=["region", "reason"])
    for plan in latest:
        solve.add_metric([plan.region, _trigger(plan.trigger)], plan.solve_ms / 1000)
        stops.add_metric([plan.region], sum(len(r.get("stops", [])) for r in plan.routes))
        routes.add_metric([plan.region], len(plan.routes))
        reasons: dict[str, int] = {}
        for item in plan.unassigned:
            reason = _reason(item.get("reason", ""))
            reasons[reason] = reasons.get(reason, 0) + 1
        for reason, count in reasons.items():
            unassigned.add_metric([plan.region, reason], count)
    yield from (solve, stops, routes, unassigned)


def _replans(rows: list[Any]) -> Metric:
    total = CounterMetricFamily("dispatch_replans", "plan versions stored, by trigger",
                                labels=["trigger"])
    counts: dict[str, int] = {}
    for trigger, count in rows:
        counts[_trigger(trigger)] = counts.get(_trigger(trigger), 0) + count
    for trigger, count in counts.items():
        total.add_metric([trigger], count)
    return total


def _outbox(pending: int, oldest: datetime | None, now: datetime) -> Iterator[Metric]:
    yield GaugeMetricFamily("dispatch_outbox_pending", "stored events not yet published",
                            value=pending)
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    yield GaugeMetricFamily("dispatch_outbox_lag_seconds", "age of the oldest unpublished "
                            "event", value=max(0.0, lag))


def _stream(engine: Engine) -> Iterator[Metric]:
    """Entries read by a worker and not yet acknowledged (Redis only)."""
    if not engine.settings.redis_url:
        return
    import redis

    client = redis.Redis.from_url(engine.settings.redis_url, socket_timeout=2)
    try:
        groups = client.xinfo_groups(engine.settings.redis_stream)
    except redis.RedisError:
        groups = []
    finally:
        client.close()
    pending = GaugeMetricFamily("dispatch_stream_pending", "stream entries delivered to a "
                                "worker and not acknowledged", labels=["group"])
    for group in groups:
        pending.add_metric([_text(group["name"])], group["pending"])
    yield pending


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _trigger(trigger: str) -> str:
    """The kind of trigger ("ticket.created", "manual"), without ids."""
    return (trigger or "none").split(":")[0].split(" ")[0][:40]


def _reason(reason: str) -> str:
    """The kind of reason, without the ticket-specific detail after a colon."""
    return (reason or "unknown").split(":")[0].split("(")[0].strip()[:60] or "unknown"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and the error)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"at": datetime.fromtimestamp(record.created).astimezone().isoformat(),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), "request_id": REQUEST_ID.get()}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
