"""Heartbeat pings: ``GET`` or ``POST /ingest/heartbeat/{key}`` from a scheduled job.

A ping moves the heartbeat's deadline and is answered once that is durable. ``?status=fail``
reports a failure (the alert fires now); the body, up to 64 KiB, may carry the job's output,
and its first 10 KiB go into the failure alert's description.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from warroom.clock import as_utc
from warroom.config import HeartbeatSpec, Integration, IntegrationKind
from warroom.ingest.errors import IngestError
from warroom.ingest.heartbeat import BeatResult, heartbeat_spec, record_beat
from warroom.ingest.http import Ingestor, integration_for, read_body
from warroom.ingest.responses import refusal

router = APIRouter(tags=["ingest"])

BODY_LIMIT = 64 * 1024
STATUSES = {"ok": False, "success": False, "fail": True}


def _failed(status: str | None) -> bool:
    if status is None or status == "":
        return False
    failed = STATUSES.get(status.lower())
    if failed is None:
        raise IngestError(400, f"status must be 'ok' or 'fail', not {status!r}", field="status")
    return failed


def _write(
    session_factory: sessionmaker[Session],
    integration: Integration,
    spec: HeartbeatSpec,
    now: datetime,
    failed: bool,
    body: bytes,
) -> BeatResult:
    with session_factory() as session:
        result = record_beat(session, integration, spec, now, failed=failed, log=body)
        session.commit()
    return result


async def _beat(request: Request, key: str) -> Response:
    ingestor: Ingestor = request.app.state.ingestor
    slug = None
    try:
        integration = integration_for(
            request.app.state.live_config.current, key, IntegrationKind.HEARTBEAT
        )
        slug = integration.slug
        spec = heartbeat_spec(integration)
        if spec is None:  # config validation requires one; answer like an unknown key
            raise IngestError(404, "unknown integration key", field="key", outcome="unknown_key")
        failed = _failed(request.query_params.get("status"))
        body = await read_body(request, BODY_LIMIT)
        ingestor.admit(integration, 1)
        result = await run_in_threadpool(
            _write, ingestor.session_factory, integration, spec, ingestor.clock(), failed, body
        )
    except IngestError as exc:
        return refusal(ingestor, slug, exc)
    if result.signals:
        ingestor.wake()
    ingestor.count(integration.slug, "accepted")
    return JSONResponse(
        {
            "status": "ok",
            "state": result.state.value,
            "next_deadline": as_utc(result.deadline_at).isoformat(),
        }
    )


@router.post("/ingest/heartbeat/{key}", summary="Heartbeat ping")
async def heartbeat_post(key: str, request: Request) -> Response:
    """A scheduled job's ping; `?status=fail` reports a failure (the body may carry its log)."""
    return await _beat(request, key)


@router.get("/ingest/heartbeat/{key}", summary="Heartbeat ping (GET)")
async def heartbeat_get(key: str, request: Request) -> Response:
    """The same ping for tools that can only GET a URL; `?status=fail` reports a failure."""
    return await _beat(request, key)
