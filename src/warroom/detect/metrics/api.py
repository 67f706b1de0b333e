"""Routes into the embedded metric store: Prometheus remote-write and the JSON push API.

Both authenticate with the key of an integration of kind ``metrics`` as a bearer token
(Prometheus: ``remote_write: [{url: .../api/v1/write, authorization: {credentials: KEY}}]``)
and count against that integration's rate limit, one token per sample.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from warroom.config import Integration, IntegrationKind
from warroom.detect.metrics import push, remote_write, store
from warroom.ingest.errors import IngestError
from warroom.ingest.http import Ingestor, integration_for, parse_json, read_body
from warroom.ingest.responses import refusal

router = APIRouter(tags=["metrics"])
integration_key = HTTPBearer(auto_error=False, description="A metrics integration's key.")

COMPRESSED_LIMIT = 4 * 1024 * 1024
"""Bytes of a remote-write body as sent (snappy-compressed)."""
DECOMPRESSED_LIMIT = 32 * 1024 * 1024
JSON_LIMIT = 1024 * 1024


async def _integration(request: Request) -> Integration:
    credentials = await integration_key(request)
    if credentials is None:
        raise IngestError(
            401,
            "send the metrics integration key as 'Authorization: Bearer <key>'",
            field="authorization",
            outcome="unknown_key",
        )
    return integration_for(
        request.app.state.live_config.current, credentials.credentials, IntegrationKind.METRICS
    )


def _store(session_factory: sessionmaker[Session], points: list[store.Point], now: datetime) -> int:
    with session_factory() as session:
        stored = store.write(session, points, now)
        session.commit()
    return stored


def _remote_points(body: bytes) -> list[store.Point]:
    try:
        decoded = remote_write.decode_write_request(
            remote_write.decompress(body, DECOMPRESSED_LIMIT)
        )
    except remote_write.RemoteWriteError as exc:
        raise IngestError(400, f"not a remote-write request: {exc}", field="body") from None
    points: list[store.Point] = []
    for series in decoded:
        if not series.labels.get(store.NAME):
            raise IngestError(400, "a time series without __name__", field="body")
        points.extend(store.Point(series.labels, at, value) for at, value in series.samples)
    return points


@router.post("/api/v1/write", summary="Prometheus remote-write receiver", status_code=204)
async def remote_write_receiver(request: Request) -> Response:
    """Prometheus `remote_write` (protocol 1.0: snappy-compressed protobuf WriteRequest)."""
    ingestor: Ingestor = request.app.state.ingestor
    slug = None
    try:
        integration = await _integration(request)
        slug = integration.slug
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip() != "application/x-protobuf":
            raise IngestError(
                415, "Content-Type must be application/x-protobuf", field="content-type"
            )
        encoding = request.headers.get("content-encoding", "").lower()
        if encoding != "snappy":
            raise IngestError(415, "Content-Encoding must be snappy", field="content-encoding")
        body = await _raw_body(request)
        points = _remote_points(body)
        ingestor.admit(integration, max(1, len(points)))
        stored = await run_in_threadpool(_store, ingestor.session_factory, points, ingestor.clock())
    except IngestError as exc:
        return refusal(ingestor, slug, exc)
    ingestor.count(integration.slug, "accepted", stored)
    return Response(status_code=204)


async def _raw_body(request: Request) -> bytes:
    """The snappy body as sent (``read_body`` would refuse its Content-Encoding)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > COMPRESSED_LIMIT:
            raise IngestError(
                413, f"body exceeds {COMPRESSED_LIMIT} bytes", field="body", outcome="too_large"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/api/v1/metrics", summary="Push business metrics (JSON)")
async def push_metrics(request: Request) -> Response:
    """One sample `{name, labels, value, timestamp?}` or a batch `{samples: [...]}`."""
    ingestor: Ingestor = request.app.state.ingestor
    slug = None
    try:
        integration = await _integration(request)
        slug = integration.slug
        body = await read_body(request, JSON_LIMIT)
        now = ingestor.clock()
        try:
            points = push.parse_push(parse_json(body), now.timestamp())
        except push.PushError as exc:
            raise IngestError(400, str(exc), field=exc.field) from None
        ingestor.admit(integration, len(points))
        stored = await run_in_threadpool(_store, ingestor.session_factory, points, now)
    except IngestError as exc:
        return refusal(ingestor, slug, exc)
    ingestor.count(integration.slug, "accepted", stored)
    return JSONResponse({"status": "ok", "samples": stored}, status_code=202)
