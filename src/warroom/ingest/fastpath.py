"""The ingest hot path skips FastAPI's router, dependency solving and exception layers.

Senders are the busiest callers and their routes need none of that (they read the body
themselves and authenticate with the integration key). This middleware matches the
ingest routes itself and calls their endpoints directly; anything it does not fully match
(another path, a wrong method) goes on to FastAPI, which answers as usual. The routes stay
declared on FastAPI too, so they appear in the OpenAPI document.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
import structlog
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.config import Config, Integration, IntegrationKind
from warroom.http.errors import error_response
from warroom.ingest import alertmanager, pagerduty, pagerduty_api
from warroom.ingest.errors import IngestError
from warroom.ingest.http import (
    BEARER_CHALLENGE,
    UNKNOWN_INTEGRATION,
    Disconnected,
    Ingestor,
    integration_for,
    parse_json,
    receive_body,
)
from warroom.ingest.models import SourceKind
from warroom.observability.metrics import Metrics
from warroom.observability.middleware import next_request_id
from warroom.problems import WarroomError

log = structlog.get_logger("warroom.ingest")
OBSERVED = "warroom.observed"
Endpoint = Callable[..., Awaitable[Response]]


def _plain(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        try:
            return await endpoint(request=request, **request.path_params)
        except WarroomError as exc:
            return error_response(exc.status_code, exc.code, exc.message, exc.field)
        except Exception:
            log.exception("ingest_failed", path=request.url.path)
            return error_response(500, "internal", "internal error; the request id is in the logs")

    return call


class IngestFastPath:
    def __init__(self, app: ASGIApp, routers: Sequence[APIRouter], prefixes: tuple[str, ...]):
        self.app = app
        self.prefixes = prefixes
        self.routes = [
            Route(route.path, _plain(route.endpoint), methods=sorted(route.methods or ()))
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefixes):
            scope[OBSERVED] = True  # the fallback's own request middleware must not log again
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    scope["route"] = route
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)


AM_PREFIX = "/ingest/alertmanager/"
AM_V2_SUFFIX = "/api/v2/alerts"
BEARER_PATH = "/api/v2/alerts"
ROUTE_WEBHOOK = "/ingest/alertmanager/{key}"
ROUTE_V2_PREFIXED = "/ingest/alertmanager/{key}/api/v2/alerts"
MAX_CACHED_KEYS = 1024


ROUTE_PD_ENQUEUE = "/v2/enqueue"
JSON_ROUTES = (ROUTE_WEBHOOK, ROUTE_PD_ENQUEUE)
"""Routes whose answer has a JSON body (the Alertmanager v2 API answers an empty one)."""


class SenderFastPath:
    """The busiest senders' routes as a raw ASGI handler: Alertmanager's (one request per
    alert at batch 1) and PagerDuty's ``/v2/enqueue`` (one event per request, always). No
    Request object, no router, no access-log line for an accepted request; the answers, the
    refusals and the counters are the same as through ``alertmanager_api`` and
    ``pagerduty_api``.

    ``handle`` returns False, having touched nothing, for a request it does not take.
    Accepted requests are counted in ``/metrics`` (the label children are looked up once);
    refusals and failures are also logged.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._config: Config | None = None
        self._integrations: dict[tuple[str, IntegrationKind], Integration] = {}
        """Known keys of ``self._config`` (the config's own lookup costs microseconds)."""

    def _integration(self, config: Config, key: str, kind: IntegrationKind) -> Integration:
        if config is not self._config:
            self._config, self._integrations = config, {}
        integration = self._integrations.get((key, kind))
        if integration is None:  # unknown keys raise every time and are not remembered
            integration = integration_for(config, key, kind)
            if len(self._integrations) < MAX_CACHED_KEYS:
                self._integrations[(key, kind)] = integration
        return integration

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        path = scope["path"]
        matched = (None, ROUTE_PD_ENQUEUE) if path == ROUTE_PD_ENQUEUE else _match(path)
        if matched is None or scope["method"] != "POST":
            return False
        key, route = matched
        pagerduty_route = route == ROUTE_PD_ENQUEUE
        started = time.perf_counter()
        declared = encoding = authorization = request_id = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"content-encoding":
                encoding = value
            elif name == b"authorization":
                authorization = value
            elif name == b"x-request-id":
                request_id = value[:128]
        request_id = request_id or next_request_id().encode()
        ingestor: Ingestor = scope["app"].state.ingestor
        try:
            if pagerduty_route:
                answer = await self._pagerduty(scope, receive, declared, encoding)
                status = 202
            else:
                answer = await self._ingest(
                    scope, receive, key or _bearer(authorization), route, declared, encoding
                )
                status = 200
            await _send(send, status, answer, request_id, json=route in JSON_ROUTES)
        except Disconnected:
            status = 499
        except IngestError as exc:
            status = exc.status_code
            ingestor.count(exc.integration or UNKNOWN_INTEGRATION, exc.outcome, exc.signals)
            extra = [(b"retry-after", b"%d" % exc.retry_after)] if exc.retry_after else []
            if pagerduty_route:
                body = pagerduty_api.refusal_body(exc)
            else:
                error: dict[str, Any] = {"code": exc.code, "message": exc.message}
                if exc.field is not None:
                    error["field"] = exc.field
                body = orjson.dumps({"error": error})
            if status == 401:
                extra.append((b"www-authenticate", BEARER_CHALLENGE.encode()))
            await _send(send, status, body, request_id, extra=extra)
            log.info(
                "ingest_refused",
                request_id=request_id.decode("latin-1"),
                route=route,
                status=status,
                outcome=exc.outcome,
                field=exc.field,
            )
        except Exception:
            status = 500
            log.exception("ingest_failed", request_id=request_id.decode("latin-1"), route=route)
            message = "internal error; the request id is in the logs"
            body = orjson.dumps({"error": {"code": "internal", "message": message}})
            await _send(send, 500, body, request_id)
        self._observe(route, status, time.perf_counter() - started)
        return True

    async def _ingest(
        self,
        scope: Scope,
        receive: Receive,
        key: str,
        route: str,
        declared: bytes | None,
        encoding: bytes | None,
    ) -> bytes:
        """Stores the alerts durably; the answer's body."""
        app = scope["app"]
        ingestor: Ingestor = app.state.ingestor
        integration = self._integration(
            app.state.live_config.current, key, IntegrationKind.ALERTMANAGER
        )
        try:
            body = await receive_body(receive, declared, encoding, alertmanager.BODY_LIMIT)
            doc = parse_json(body)
            now = ingestor.clock()
            webhook = route == ROUTE_WEBHOOK
            rows = alertmanager.driver_rows(
                doc,
                now,
                webhook=webhook,
                environment=integration.environment,
                integration=integration.slug,
                received=ingestor.writer.received(now),
            )
            if rows is None:  # something is off: the slow path names it (or cleans it)
                parse = alertmanager.parse_webhook if webhook else alertmanager.parse_api_v2
                signals = alertmanager.encoded(parse(doc, now), integration.environment)
                rows = ingestor.rows(integration, SourceKind.ALERTMANAGER, signals, now)
            ingestor.admit(integration, len(rows))
            await ingestor.store_rows(integration, rows)
        except IngestError as exc:
            exc.integration = integration.slug
            raise
        return b'{"status":"ok","signals":%d}' % len(rows) if webhook else b""

    async def _pagerduty(
        self, scope: Scope, receive: Receive, declared: bytes | None, encoding: bytes | None
    ) -> bytes:
        """Stores one PagerDuty alert event durably; the answer's body."""
        app = scope["app"]
        body = await receive_body(receive, declared, encoding, pagerduty.BODY_LIMIT)
        config = app.state.live_config.current
        return await pagerduty_api.store_event(
            app.state.ingestor, config, parse_json(body), self._integration
        )

    def _observe(self, route: str, status: int, seconds: float) -> None:
        children = self._children.get((route, status))
        if children is None:
            children = self._children[(route, status)] = (
                self.metrics.requests.labels("POST", route, str(status)),
                self.metrics.latency.labels("POST", route),
            )
        children[0].inc()
        children[1].observe(seconds)


def _match(path: str) -> tuple[str | None, str] | None:
    """(key, route template) of an Alertmanager route; key None when it is a bearer token."""
    if path == BEARER_PATH:
        return None, BEARER_PATH
    if not path.startswith(AM_PREFIX):
        return None
    key, route = path[len(AM_PREFIX) :], ROUTE_WEBHOOK
    if key.endswith(AM_V2_SUFFIX):
        key, route = key[: -len(AM_V2_SUFFIX)], ROUTE_V2_PREFIXED
    if not key or "/" in key:
        return None
    return key, route


def _bearer(authorization: bytes | None) -> str:
    """The integration key from ``Authorization: Bearer <key>`` (as FastAPI's HTTPBearer)."""
    scheme, _, credentials = (authorization or b"").decode("latin-1").partition(" ")
    credentials = credentials.strip()
    if not (scheme and credentials) or scheme.lower() != "bearer":
        raise IngestError(
            401,
            "send the integration key as 'Authorization: Bearer <key>'",
            field="authorization",
            outcome="unknown_key",
        )
    return credentials


JSON_HEADER = (b"content-type", b"application/json")


async def _send(
    send: Send,
    status: int,
    body: bytes,
    request_id: bytes,
    *,
    json: bool = True,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-length", b"%d" % len(body)), (b"x-request-id", request_id)]
    if json:
        headers.append(JSON_HEADER)
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
