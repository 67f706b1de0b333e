"""Routes of the PagerDuty Events API v2: ``POST /v2/enqueue`` and ``POST /v2/change/enqueue``.

Answers keep PagerDuty's shapes byte for byte, refusals included, so senders that parse
them (and retry on 429 and 5xx only) behave as they do against PagerDuty.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from warroom.config import Config, Integration, IntegrationKind
from warroom.ingest import changes, pagerduty
from warroom.ingest.errors import IngestError
from warroom.ingest.http import (
    UNKNOWN_INTEGRATION,
    Ingestor,
    integration_for,
    parse_json,
    read_body,
)
from warroom.ingest.models import ServiceChange, Signal, SignalAction, SourceKind

router = APIRouter(tags=["ingest"])

PROCESSED = "Event processed"
DROPPED = "Event dropped: no open alert with this dedup_key"
REFUSALS = {
    404: ("unknown routing key", "No PagerDuty integration has this routing_key"),
    429: (
        "throttle event",
        "Requests for this integration are arriving too quickly. Please retry later.",
    ),
}
STATUS_WORDS = {413: "request too large", 415: "invalid request"}
JSON = "application/json"


def refusal_body(exc: IngestError) -> bytes:
    """PagerDuty's answer to a refused event (its status is ``exc.status_code``)."""
    body: dict[str, Any]
    if exc.status_code == 400:
        errors = exc.errors if isinstance(exc, pagerduty.InvalidEvent) else [exc.message]
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    elif exc.status_code in REFUSALS:
        status, message = REFUSALS[exc.status_code]
        body = {"status": status, "message": message}
    else:
        body = {"status": STATUS_WORDS.get(exc.status_code, "error"), "message": exc.message}
    return orjson.dumps(body)


def _refuse(ingestor: Ingestor, exc: IngestError) -> Response:
    """Count the refusal and answer it the way PagerDuty does."""
    ingestor.count(exc.integration or UNKNOWN_INTEGRATION, exc.outcome, exc.signals)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return Response(
        refusal_body(exc), status_code=exc.status_code, headers=headers, media_type=JSON
    )


def _slug_of(config: Config, doc: Any) -> str | None:
    """The integration a refusal is counted for; never changes what the sender is told."""
    key = pagerduty.routing_key_of(doc)
    integration = config.integration_by_key(key) if key else None
    if integration is None or integration.kind is not IntegrationKind.PAGERDUTY:
        return None
    return integration.slug


def open_after_pending(ingestor: Ingestor, integration: str, identity: str) -> bool:
    """Whether an alert with this identity will be open once the pending signals ran: the
    latest unprocessed trigger or resolve decides, else the open alert (indexed reads)."""
    with ingestor.session_factory() as session:
        pending = session.scalar(
            select(Signal.action)
            .where(
                Signal.processed_at.is_(None),
                Signal.integration == integration,
                Signal.identity == identity,
                Signal.action != SignalAction.ACKNOWLEDGE,
            )
            .order_by(Signal.id.desc())
            .limit(1)
        )
        if pending is not None:
            return pending is SignalAction.TRIGGER
        return ingestor.open_alert(session, integration, identity)


async def _receive(request: Request) -> tuple[Config, Any]:
    body = await read_body(request, pagerduty.BODY_LIMIT)
    return request.app.state.live_config.current, parse_json(body)


Lookup = Callable[[Config, str, IntegrationKind], Integration]


async def store_event(
    ingestor: Ingestor, config: Config, doc: Any, lookup: Lookup = integration_for
) -> bytes:
    """Stores one alert event durably and returns PagerDuty's answer (202) to it.

    A refusal raises ``IngestError`` carrying the slug of the integration it is counted for
    (when ``routing_key`` names a PagerDuty integration). ``lookup`` finds the integration
    of a routing key (``integration_for``, or a cache of it).
    """
    try:
        event = pagerduty.parse_event(doc)
        integration = lookup(config, event.routing_key, IntegrationKind.PAGERDUTY)
        ingestor.admit(integration, 1)
        signal = event.signal
        signal.environment = integration.environment
        message = PROCESSED
        if signal.action is not SignalAction.TRIGGER:
            applies = await run_in_threadpool(
                open_after_pending, ingestor, integration.slug, event.dedup_key
            )
            message = PROCESSED if applies else DROPPED
    except IngestError as exc:
        exc.integration = _slug_of(config, doc)
        raise
    now = ingestor.clock()
    encoded = [(signal.action, signal.identity, signal.to_json())]
    await ingestor.store_rows(
        integration, ingestor.rows(integration, SourceKind.PAGERDUTY, encoded, now)
    )
    return orjson.dumps({"status": "success", "message": message, "dedup_key": event.dedup_key})


@router.post("/v2/enqueue", status_code=202, summary="PagerDuty Events API v2: alert events")
async def enqueue(request: Request) -> Response:
    """Trigger, acknowledge or resolve an alert; the `routing_key` is the integration key.

    Requests reach ``warroom.ingest.fastpath.SenderFastPath`` first, which answers them the
    same way without a Request object; this route is the fallback and the OpenAPI entry.
    """
    ingestor: Ingestor = request.app.state.ingestor
    try:
        config, doc = await _receive(request)
        answer = await store_event(ingestor, config, doc)
    except IngestError as exc:
        return _refuse(ingestor, exc)
    return Response(answer, status_code=202, media_type=JSON)


def _store_change(
    session_factory: sessionmaker[Session],
    config: Config,
    integration: Integration,
    service: str | None,
    change: pagerduty.ChangeEvent,
    received_at: datetime,
) -> None:
    with session_factory() as session:
        row = ServiceChange(
            integration=integration.slug,
            service=service,
            summary=change.summary,
            source=change.source,
            happened_at=change.timestamp or received_at,
            received_at=received_at,
            links=change.links,
            details=change.custom_details,
        )
        session.add(row)
        changes.recorded(session, config, row, received_at)
        session.commit()


def change_service(config: Config, integration: Integration, details: dict[str, Any]) -> str | None:
    """``custom_details.service`` when it names a configured service, else the default."""
    named = details.get("service")
    if isinstance(named, str) and config.service(named) is not None:
        return named
    return integration.service


@router.post(
    "/v2/change/enqueue", status_code=202, summary="PagerDuty Events API v2: change events"
)
async def change_enqueue(request: Request) -> Response:
    """Record a deploy or config change (listed at `/api/v1/changes`)."""
    ingestor: Ingestor = request.app.state.ingestor
    config = doc = None
    try:
        config, doc = await _receive(request)
        change = pagerduty.parse_change(doc)
        integration = integration_for(config, change.routing_key, IntegrationKind.PAGERDUTY)
        ingestor.admit(integration, 1)
        service = change_service(config, integration, change.custom_details)
        await run_in_threadpool(
            _store_change,
            ingestor.session_factory,
            config,
            integration,
            service,
            change,
            ingestor.clock(),
        )
    except IngestError as exc:
        exc.integration = _slug_of(config, doc) if config is not None else None
        return _refuse(ingestor, exc)
    ingestor.count(integration.slug, "accepted")
    return JSONResponse({"status": "success", "message": "Change event processed"}, 202)
