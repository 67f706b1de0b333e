"""The one dispatch layer in front of the app for ingest requests.

FastAPI wraps every request in several layers (body-limit accounting, telemetry, exception
middleware, the router, dependency solving) that cost more than the whole ingest handler.
Senders are the busiest callers and their routes need none of that (they read the body
themselves and authenticate with the integration key), so ``IngestDispatcher.pick`` looks at
a request once and picks its handler:

- Alertmanager's routes and PagerDuty's ``/v2/enqueue`` (the hot path: one request per alert
  at batch 1, one event per request always): ``SenderFastPath``, a raw ASGI handler;
- the other ingest routes (webhooks, heartbeats, PagerDuty change events): their endpoint,
  called directly, with the access log and metrics around it;
- anything else (another path, a wrong method): None, and FastAPI answers as usual.

The ingest routes stay declared on FastAPI, so they appear in the OpenAPI document and are
the reference the differential tests hold the raw handler to (``tests/ingest/test_fastpath``).
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
from starlette.types import Message, Receive, Scope, Send

from warroom.config import Config, Integration, IntegrationKind
from warroom.http.errors import error_response
from warroom.http.security import MACHINE_HEADERS
from warroom.ingest import alertmanager, pagerduty, pagerduty_api
from warroom.ingest.errors import IngestError, database_refusal
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
from warroom.ingest.sentry.endpoint import SENTRY_ROUTE
from warroom.ingest.sentry.endpoint import route_of as sentry_route_of
from warroom.observability.metrics import Metrics
from warroom.observability.middleware import RequestMiddleware, next_request_id
from warroom.problems import WarroomError

log = structlog.get_logger("warroom.ingest")
Endpoint = Callable[..., Awaitable[Response]]


def _plain(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        try:
            return await endpoint(request=request, **request.path_params)
        except WarroomError as exc:
            return error_response(exc.status_code, exc.code, exc.message, exc.field)
        except Exception as exc:
            refusal = database_refusal(exc)
            if refusal is not None:
                retry = {"Retry-After": str(refusal.retry_after)}
                return error_response(503, refusal.code, refusal.message, headers=retry)
            log.exception("ingest_failed", path=request.url.path)
            return error_response(500, "internal", "internal error; the request id is in the logs")

    return call


AM_PREFIX = "/ingest/alertmanager/"
AM_V2_SUFFIX = "/api/v2/alerts"
BEARER_PATH = "/api/v2/alerts"
ROUTE_WEBHOOK = "/ingest/alertmanager/{key}"
ROUTE_V2_PREFIXED = "/ingest/alertmanager/{key}/api/v2/alerts"
MAX_CACHED_KEYS = 1024


ROUTE_PD_ENQUEUE = "/v2/enqueue"
SENTRY_PREFIX = "/api/"
SENTRY_METHODS = ("POST", "OPTIONS")
SENDER_ROUTE = "warroom.sender_route"
"""Scope key: (key, route template) of a request ``pick`` gave to ``SenderFastPath``."""
JSON_ROUTES = (ROUTE_WEBHOOK, ROUTE_PD_ENQUEUE)
"""Routes whose answer has a JSON body (the Alertmanager v2 API answers an empty one)."""


class SenderFastPath:
    """The busiest senders' routes as a raw ASGI handler: Alertmanager's (one request per
    alert at batch 1) and PagerDuty's ``/v2/enqueue`` (one event per request, always). No
    Request object, no router, no access-log line for an accepted request; the answers, the
    refusals and the counters are the same as through ``alertmanager_api`` and
    ``pagerduty_api``.

    ``IngestDispatcher`` matches the route (``sender_route``) and calls ``serve``. Accepted
    requests are counted in ``/metrics`` (the label children are looked up once); refusals
    and failures are also logged.
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

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request the dispatcher matched: ``scope[SENDER_ROUTE]`` is (key, route
        template), the key None when it comes as a bearer token or in the body."""
        key, route = scope[SENDER_ROUTE]
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
        except Exception as failed:
            refused = failed if isinstance(failed, IngestError) else database_refusal(failed)
            if refused is None:
                status = 500
                log.exception("ingest_failed", request_id=request_id.decode("latin-1"), route=route)
                message = "internal error; the request id is in the logs"
                body = orjson.dumps({"error": {"code": "internal", "message": message}})
                await _send(send, 500, body, request_id)
            else:
                status = refused.status_code
                await self._refuse(send, refused, route, request_id, ingestor)
        self._observe(route, status, time.perf_counter() - started)

    @staticmethod
    async def _refuse(
        send: Send, exc: IngestError, route: str, request_id: bytes, ingestor: Ingestor
    ) -> None:
        """Answers a refusal: a 4xx, or a 503 while the database is away (logged once per
        outage by ``database_refusal``, not per request)."""
        ingestor.count(exc.integration or UNKNOWN_INTEGRATION, exc.outcome, exc.signals)
        extra = [(b"retry-after", b"%d" % exc.retry_after)] if exc.retry_after else []
        if route == ROUTE_PD_ENQUEUE:
            body = pagerduty_api.refusal_body(exc)
        else:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.field is not None:
                error["field"] = exc.field
            body = orjson.dumps({"error": error})
        if exc.status_code == 401:
            extra.append((b"www-authenticate", BEARER_CHALLENGE.encode()))
        await _send(send, exc.status_code, body, request_id, extra=extra)
        if exc.status_code != 503:
            log.info(
                "ingest_refused",
                request_id=request_id.decode("latin-1"),
                route=route,
                status=exc.status_code,
                outcome=exc.outcome,
                field=exc.field,
            )

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


def sender_route(method: str, path: str) -> tuple[str | None, str] | None:
    """(key, route template) of a request ``SenderFastPath`` serves, else None; the key is
    None when it comes as a bearer token (Alertmanager) or in the body (PagerDuty)."""
    if method != "POST":
        return None
    if path == ROUTE_PD_ENQUEUE:
        return None, ROUTE_PD_ENQUEUE
    return _match(path)


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
    headers = [
        (b"content-length", b"%d" % len(body)),
        (b"x-request-id", request_id),
        *MACHINE_HEADERS,
    ]
    if json:
        headers.append(JSON_HEADER)
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IngestDispatcher:
    """Picks, once per request, the handler of an ingest request (see the module's doc)."""

    def __init__(
        self,
        metrics: Metrics,
        routers: Sequence[APIRouter],
        prefixes: tuple[str, ...],
        max_body_bytes: int,
    ) -> None:
        self.prefixes = prefixes
        self.senders = SenderFastPath(metrics)
        self.sentry: Handler | None = None
        """Sentry's intake (``/api/{project_id}/envelope/`` and ``/store/``), once wired."""
        self.routes = [
            Route(route.path, _plain(route.endpoint), methods=sorted(route.methods or ()))
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and route.path not in SENDER_ROUTES
        ]
        self._raw: Handler = self.senders.serve  # bound once, not per request
        # Ingest bodies are bounded by each protocol's own limit, as on FastAPI's side.
        self._observed = RequestMiddleware(
            _handle_route, metrics, max_body_bytes, own_limit_prefixes=prefixes
        )

    def pick(self, scope: Scope) -> Handler | None:
        """The handler of an HTTP request under the ingest prefixes; None: FastAPI's."""
        path: str = scope["path"]
        if self.sentry is not None and path.startswith(SENTRY_PREFIX):
            sentry = sentry_route_of(path)
            if sentry is not None and scope["method"] in SENTRY_METHODS:
                scope[SENTRY_ROUTE] = sentry
                return self.sentry
        if not path.startswith(self.prefixes):
            return None
        sender = sender_route(scope["method"], path)
        if sender is not None:
            scope[SENDER_ROUTE] = sender
            return self._raw
        for route in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                scope["route"] = route
                return self._observed
        return None


SENDER_ROUTES = frozenset({ROUTE_WEBHOOK, ROUTE_V2_PREFIXED, BEARER_PATH, ROUTE_PD_ENQUEUE})
"""Routes ``SenderFastPath`` serves for POST (other methods on them go to FastAPI)."""

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _handle_route(scope: Scope, receive: Receive, send: Send) -> None:
    """The route's endpoint, its answer given the headers every ingest answer carries (the
    app's security middleware is not in this path)."""
    route: Route = scope["route"]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in MACHINE_HEADERS if name not in present]
            message = {**message, "headers": headers}
        await send(message)

    await route.handle(scope, receive, send_with_headers)
