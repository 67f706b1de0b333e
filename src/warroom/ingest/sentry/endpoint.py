"""``POST /api/{project_id}/envelope/`` and ``/api/{project_id}/store/`` as a raw ASGI
handler (the answers of Sentry's Relay), with CORS for browser SDKs (``OPTIONS`` preflight
and the headers of every answer to a request that names an Origin).

The rows are durable (group commit through a ``SignalWriter`` on ``error_items``) before
the 200. Refusals are counted per project (``sentry_*`` outcomes of the ingest counter).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import Engine
from starlette.types import Receive, Scope, Send

from warroom.config import Config
from warroom.http.security import MACHINE_HEADERS
from warroom.ingest.errors import IngestError, database_refusal
from warroom.ingest.http import Disconnected, receive_body
from warroom.ingest.limits import IngestStats
from warroom.ingest.sentry.decode import decompress, gunzip
from warroom.ingest.sentry.intake import (
    MAX_ENVELOPE_BYTES,
    Parsed,
    RateLimited,
    SentryIntake,
    check_origin,
)
from warroom.ingest.sentry.models import ErrorItem
from warroom.ingest.writer import SignalWriter
from warroom.observability.metrics import Metrics
from warroom.observability.middleware import next_request_id

log = structlog.get_logger("warroom.ingest.sentry")
ROUTE = re.compile(r"^/api/(\d{1,16})/(envelope|store)/?$")
COLUMNS = ("project_id", "public_key", "kind", "event_id", "received_at", "headers", "payload")
ALLOWED_HEADERS = (
    "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, "
    "authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage"
)
EXPOSED_HEADERS = "x-sentry-error, x-sentry-rate-limits, retry-after"
PREFLIGHT_MAX_AGE = "3600"
UNKNOWN_PROJECT = "<unknown>"
INLINE_ROWS = 1
"""Error items carry kilobytes each: every group goes to the writer thread (on SQLite), so
the event loop goes on parsing while the rows are written (signals, a few hundred bytes,
commit small groups on the loop)."""
FLUSH_ROWS = 64
ANSWER_HEADERS = ((b"content-type", b"application/json"), *MACHINE_HEADERS)
"""The headers of every answer but its length, CORS and request id."""
SENTRY_ROUTE = "warroom.sentry_route"
"""Scope key: (project id, "envelope" or "store") of a request the dispatcher matched."""


MAX_CACHED_ROUTES = 1024
_routes: dict[str, tuple[int, str]] = {}
"""Intake paths already matched (an SDK sends to the same path every time)."""


def route_of(path: str) -> tuple[int, str] | None:
    """(project id, "envelope" or "store") of a Sentry intake path, else None."""
    route = _routes.get(path)
    if route is not None:
        return route
    found = ROUTE.match(path)
    if found is None:  # not remembered: any path may come, only intake paths are kept
        return None
    route = (int(found.group(1)), found.group(2))
    if len(_routes) < MAX_CACHED_ROUTES:
        _routes[path] = route
    return route


class SentryEndpoint:
    def __init__(
        self,
        engine: Engine,
        config: Callable[[], Config],
        metrics: Metrics,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.clock = clock
        self.wake = wake
        self.intake = SentryIntake()
        self.stats = IngestStats()
        """Per project slug: accepted items, refusals, skipped item types (this process)."""
        self.writer = SignalWriter(
            engine,
            table=ErrorItem.__tablename__,
            columns=COLUMNS,
            ignore_conflicts=True,
            inline_rows=INLINE_ROWS,
            flush_rows=FLUSH_ROWS,
        )
        self._received = self.writer.received
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._counters: dict[tuple[str, str], Any] = {}
        self._tally = metrics.tally()
        """The counters and latencies go to ``/metrics`` through a tally (see its module)."""

    def count(self, project: str, outcome: str, amount: int = 1) -> None:
        if amount:
            self.stats.add(project, outcome, amount)
            child = self._counters.get((project, outcome))
            if child is None:  # labels() costs more than the rest of the count: once
                child = self._counters[(project, outcome)] = self.metrics.ingest.labels(
                    f"sentry:{project}", outcome
                )
            self._tally.inc(child, amount)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        project_id, route = scope[SENTRY_ROUTE]
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        origin_raw = headers.get(b"origin")
        origin = origin_raw.decode("latin-1") if origin_raw is not None else None
        request_id = headers.get(b"x-request-id", b"")[:128] or next_request_id().encode()
        cors = _cors(origin)
        config = self.config()
        if scope["method"] == "OPTIONS":
            await self._preflight(send, config, project_id, origin, cors)
            return
        status = 200
        try:
            await self._accept(scope, receive, send, headers, (project_id, route), request_id)
        except Disconnected:
            status = 499
        except RateLimited as limited:
            status = 429
            parsed = limited.parsed
            assert parsed.limited is not None
            self.count(parsed.project.slug, "rate_limited", max(1, parsed.dropped_events))
            retry = parsed.limited.retry_after
            extra = [
                *cors,
                (b"retry-after", b"%d" % retry),
                (b"x-sentry-rate-limits", parsed.limited.header().encode()),
            ]
            message = f"rate limited ({parsed.limited.reason}); retry in {retry}s"
            await _send(send, 429, _error(429, "rate_limited", message, None), request_id, extra)
        except Exception as failed:
            refused = failed if isinstance(failed, IngestError) else database_refusal(failed)
            if refused is None:
                status = 500
                log.exception("sentry_ingest_failed", request_id=request_id.decode("latin-1"))
                message = "internal error; the request id is in the logs"
                await _send(send, 500, _error(500, "internal", message, None), request_id, cors)
            else:
                status = refused.status_code
                await self._refuse(send, refused, config, project_id, cors, request_id)
        self._observe(route, status, time.perf_counter() - started)

    async def _refuse(
        self,
        send: Send,
        exc: IngestError,
        config: Config,
        project_id: int,
        cors: list[tuple[bytes, bytes]],
        request_id: bytes,
    ) -> None:
        """Answers a refusal: a 4xx, or a 503 with ``Retry-After`` while the database is
        away (logged once per outage by ``database_refusal``, not per request)."""
        project = config.project_by_id(project_id)
        self.count(project.slug if project is not None else UNKNOWN_PROJECT, exc.outcome)
        body = _error(exc.status_code, exc.code, exc.message, exc.field)
        shown = [] if exc.outcome == "origin_not_allowed" else cors
        extra = [*shown, (b"x-sentry-error", exc.message.encode("utf-8", "replace")[:512])]
        if exc.retry_after:
            extra.append((b"retry-after", b"%d" % exc.retry_after))
        await _send(send, exc.status_code, body, request_id, extra)
        if exc.status_code != 503:
            log.info(
                "sentry_refused",
                request_id=request_id.decode("latin-1"),
                project_id=project_id,
                status=exc.status_code,
                outcome=exc.outcome,
                field=exc.field,
            )

    def _observe(self, route: str, status: int, seconds: float) -> None:
        children = self._children.get((route, status))
        if children is None:
            template = f"/api/{{project_id}}/{route}/"
            children = self._children[(route, status)] = (
                self.metrics.requests.labels("POST", template, str(status)),
                self.metrics.latency.labels("POST", template),
            )
        self._tally.inc(children[0])
        self._tally.observe(children[1], seconds)

    async def _accept(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        target: tuple[int, str],
        request_id: bytes,
    ) -> None:
        project_id, route = target
        origin_raw = headers.get(b"origin")
        origin = origin_raw.decode("latin-1") if origin_raw is not None else None
        body = await receive_body(receive, headers.get(b"content-length"), None, MAX_ENVELOPE_BYTES)
        encoding = headers.get(b"content-encoding")
        if encoding == b"gzip":  # what every SDK sends: straight to the decoder
            body = gunzip(body, MAX_ENVELOPE_BYTES)
        elif encoding:
            body = decompress(body, encoding.decode("latin-1"), MAX_ENVELOPE_BYTES)
        auth = headers.get(b"x-sentry-auth")
        if auth is None and headers.get(b"authorization", b"")[:7].lower() == b"sentry ":
            auth = headers[b"authorization"]
        parse = self.intake.envelope if route == "envelope" else self.intake.store
        parsed = parse(
            self.config(),
            project_id,
            body,
            auth.decode("latin-1") if auth is not None else None,
            scope.get("query_string", b""),
            origin,
        )
        await self._store(parsed)
        # the event id is 32 hex digits (normal_event_id): JSON as it is
        answer = b'{"id":"%s"}' % parsed.event_id.encode() if parsed.event_id else b"{}"
        extra = _cors(origin)
        if parsed.limited is not None:
            extra.append((b"x-sentry-rate-limits", parsed.limited.header().encode()))
        await _send(send, 200, answer, request_id, extra)

    async def _store(self, parsed: Parsed) -> None:
        slug = parsed.project.slug
        for kind, amount in parsed.skipped.items():
            self.count(slug, f"skipped:{kind}", amount)
        self.count(slug, "rate_limited", parsed.dropped_events)
        if not parsed.rows:
            return
        received = self._received(self.clock())
        project_id, public_key = parsed.project.id, parsed.key.public_key
        rows = [
            (
                project_id,
                public_key,
                kind.value,
                event_id,
                received,
                orjson.dumps(headers).decode(),
                payload,
            )
            for kind, event_id, headers, payload in parsed.rows
        ]
        await self.writer.write_rows(rows)
        self.wake()
        self.count(slug, "accepted", len(rows))

    async def _preflight(
        self,
        send: Send,
        config: Config,
        project_id: int,
        origin: str | None,
        cors: list[tuple[bytes, bytes]],
    ) -> None:
        project = config.project_by_id(project_id)
        try:
            if project is None:
                raise IngestError(403, "unknown project", field="project_id")
            check_origin(project, origin)
        except IngestError:
            message = f"origin {origin!r} may not send to project {project_id}"
            await _send(send, 403, _error(403, "forbidden", message, "origin"), b"", [])
            return
        extra = [
            *cors,
            (b"access-control-allow-methods", b"POST, OPTIONS"),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        ]
        await _send(send, 200, b"", b"", extra)


def _cors(origin: str | None) -> list[tuple[bytes, bytes]]:
    """The CORS headers of an answer to a request that names its Origin (the origin was
    checked against the project's before anything is stored)."""
    if origin is None:
        return []
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        (b"vary", b"Origin"),
    ]


def _error(status: int, code: str, message: str, field: str | None) -> bytes:
    """Sentry's ``detail`` (what SDKs and sentry-cli print) and warroom's ``error``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return orjson.dumps({"detail": message, "error": error})


async def _send(
    send: Send,
    status: int,
    body: bytes,
    request_id: bytes,
    extra: list[tuple[bytes, bytes]],
) -> None:
    headers = [(b"content-length", b"%d" % len(body)), *ANSWER_HEADERS, *extra]
    if request_id:
        headers.append((b"x-request-id", request_id))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
