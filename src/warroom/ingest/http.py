"""Shared plumbing of the ingest endpoints: bounded bodies, keys, limits, durable writes."""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message

from warroom.config import Config, Integration, IntegrationKind
from warroom.ingest.errors import IngestError
from warroom.ingest.limits import IngestStats, RateLimiter
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, rows
from warroom.ingest.writer import Row, SignalWriter
from warroom.observability.metrics import Metrics

UNKNOWN_INTEGRATION = "<unknown>"


BEARER_CHALLENGE = 'Bearer realm="warroom"'
"""The ``WWW-Authenticate`` of an ingest 401 (the integration key goes as a bearer token)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (also after decompression)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise IngestError(413, f"body exceeds {limit} bytes", field="body", outcome="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise IngestError(413, f"body exceeds {limit} bytes", field="body", outcome="too_large")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding in ("gzip", "deflate"):
        body = _inflate(body, limit, 31 if encoding == "gzip" else 15)
    elif encoding not in ("identity", ""):
        raise IngestError(
            415, f"unsupported Content-Encoding {encoding!r}", field="content-encoding"
        )
    return body


class Disconnected(Exception):
    """The client went away before its body arrived: nobody to answer."""


async def receive_body(
    receive: Callable[[], Awaitable[Message]],
    declared: bytes | None,
    encoding: bytes | None,
    limit: int,
) -> bytes:
    """``read_body`` straight from ASGI ``receive``, given the raw Content-Length and
    Content-Encoding headers (the ingest fast path has no Request object)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise IngestError(413, f"body exceeds {limit} bytes", field="body", outcome="too_large")
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise Disconnected
        chunk = message.get("body", b"")
        body = body + chunk if body else chunk
        if len(body) > limit:
            raise IngestError(413, f"body exceeds {limit} bytes", field="body", outcome="too_large")
        if not message.get("more_body", False):
            break
    if encoding is not None:
        name = encoding.decode("latin-1").lower()
        if name in ("gzip", "deflate"):
            body = _inflate(body, limit, 31 if name == "gzip" else 15)
        elif name not in ("identity", ""):
            raise IngestError(
                415, f"unsupported Content-Encoding {name!r}", field="content-encoding"
            )
    return bytes(body)


def _inflate(body: bytes, limit: int, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise IngestError(400, f"body cannot be decompressed: {exc}", field="body") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise IngestError(
            413, f"decompressed body exceeds {limit} bytes", field="body", outcome="too_large"
        )
    if not inflater.eof:  # a stream cut short (or garbage after a valid start)
        raise IngestError(400, "body cannot be decompressed: the stream ends early", field="body")
    return out


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise IngestError(400, f"body is not valid JSON: {exc}", field="body") from None


def integration_for(config: Config, key: str, kind: IntegrationKind) -> Integration:
    """The integration owning ``key``; 404 for unknown keys and keys of another kind alike,
    so the answer never tells whether an integration exists."""
    integration = config.integration_by_key(key)
    if integration is None or integration.kind is not kind:
        raise IngestError(404, "unknown integration key", field="key", outcome="unknown_key")
    return integration


OpenAlert = Callable[[Session, str, str], bool]
"""Whether an alert of (integration, identity) is open: the alerts layer's answer, given to
the ingestor by the composition root (ingest sits below alerts and never imports them)."""


class Ingestor:
    """Checks limits, writes signals durably, counts, and wakes the worker."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        writer: SignalWriter,
        metrics: Metrics,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
        *,
        open_alert: OpenAlert,
    ) -> None:
        self.open_alert = open_alert
        self.session_factory = session_factory
        self.writer = writer
        self.metrics = metrics
        self.clock = clock
        self.wake = wake
        self.limiter = RateLimiter()
        self.stats = IngestStats()
        self._counters: dict[tuple[str, str], Any] = {}

    def count(self, integration: str, outcome: str, amount: int = 1) -> None:
        self.stats.add(integration, outcome, amount)
        child = self._counters.get((integration, outcome))
        if child is None:  # labels() costs more than the whole count: look it up once
            child = self._counters[(integration, outcome)] = self.metrics.ingest.labels(
                integration, outcome
            )
        child.inc(amount)

    def admit(self, integration: Integration, amount: int) -> None:
        limit = integration.rate_limit
        wait = self.limiter.check(integration.slug, limit.per_second, limit.burst, amount)
        if wait:
            raise IngestError(
                429,
                f"rate limit of integration exceeded; retry in {wait}s",
                outcome="rate_limited",
                retry_after=wait,
                signals=amount,
            )

    async def store(
        self, integration: Integration, source: SourceKind, signals: list[SignalIn]
    ) -> None:
        """Durable when this returns: the 2xx may be sent."""
        for signal in signals:  # the integration's environment, when the alert names none
            signal.environment = signal.environment or integration.environment
        if signals:
            await self.writer.write(rows(integration.slug, source, signals, self.clock()))
            self.wake()
        self.count(integration.slug, "accepted", len(signals))

    def rows(
        self,
        integration: Integration,
        source: SourceKind,
        signals: list[tuple[SignalAction, str, str]],
        received_at: datetime,
    ) -> list[Row]:
        """The writer's rows for signals already encoded (action, identity, stored JSON)."""
        writer = self.writer
        slug, kind, received = integration.slug, source.value, writer.received(received_at)
        return [writer.row(slug, kind, a.value, i, received, j) for a, i, j in signals]

    async def store_encoded(
        self,
        integration: Integration,
        source: SourceKind,
        signals: list[tuple[SignalAction, str, str]],
        received_at: datetime,
    ) -> None:
        """``store`` for signals already encoded (action, identity, stored JSON)."""
        await self.store_rows(integration, self.rows(integration, source, signals, received_at))

    async def store_rows(self, integration: Integration, rows: list[Row]) -> None:
        """``store`` for rows already in the writer's form (``SignalWriter.row``)."""
        if rows:
            await self.writer.write_rows(rows)
            self.wake()
        self.count(integration.slug, "accepted", len(rows))
