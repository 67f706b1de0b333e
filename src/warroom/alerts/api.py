"""Routes: alerts, silences, maintenance windows, integrations and service changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy import select

from warroom.alerts import service, views
from warroom.alerts.models import AlertDecision, AlertStatus, SilenceKind
from warroom.alerts.schemas import (
    AlertOut,
    AlertPage,
    IntegrationOut,
    MaintenanceCreate,
    ServiceChangeOut,
    SilenceCreate,
    SilenceOut,
)
from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.documented import conflict
from warroom.http.inputs import Offset, RowId
from warroom.ingest.http import Ingestor
from warroom.ingest.models import ServiceChange
from warroom.ingest.stored import StoredSignals, stored_signals

router = APIRouter(prefix="/api/v1", tags=["alerts"])
MAX_PAGE = 200


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    session: SessionDep,
    _user: UserDep,
    status_: Annotated[list[AlertStatus] | None, Query(alias="status")] = None,
    team: str | None = None,
    service_: Annotated[str | None, Query(alias="service")] = None,
    integration: str | None = None,
    decision: AlertDecision | None = None,
    incident: Annotated[int | None, Query(description="incident number")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> AlertPage:
    flt = service.AlertFilter(tuple(status_ or ()), team, service_, integration, decision, incident)
    rows, total = service.search(session, flt, limit=limit, offset=offset)
    refs = service.incident_refs(session, rows)
    return AlertPage(
        items=[views.alert_out(a, refs) for a in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: RowId, session: SessionDep, _user: UserDep) -> AlertOut:
    alert = service.get(session, alert_id)
    refs = service.incident_refs(session, [alert])
    return views.alert_out(alert, refs, service.events(session, alert))


@router.get("/silences", response_model=list[SilenceOut])
def list_silences(
    session: SessionDep, _user: UserDep, now: NowDep, expired: bool = False
) -> list[SilenceOut]:
    rows = service.list_silences(session, now, include_expired=expired, kind=SilenceKind.SILENCE)
    return [views.silence_out(s, now) for s in rows]


@router.post("/silences", status_code=status.HTTP_201_CREATED, response_model=SilenceOut)
def create_silence(
    body: SilenceCreate, session: SessionDep, user: WriterDep, now: NowDep
) -> SilenceOut:
    start, end = service.window(now, body.starts_at, body.ends_at, body.duration)
    silence = service.create_silence(
        session, SilenceKind.SILENCE, body.matchers, start, end, body.comment, user.username, now
    )
    session.commit()
    return views.silence_out(silence, now)


@router.delete(
    "/silences/{silence_id}",
    response_model=SilenceOut,
    responses=conflict("The silence has already ended."),
)
def expire_silence(
    silence_id: RowId, session: SessionDep, _user: WriterDep, now: NowDep
) -> SilenceOut:
    silence = service.expire(session, silence_id, now, SilenceKind.SILENCE)
    session.commit()
    return views.silence_out(silence, now)


@router.get("/maintenance", response_model=list[SilenceOut])
def list_maintenance(
    session: SessionDep, _user: UserDep, now: NowDep, expired: bool = False
) -> list[SilenceOut]:
    rows = service.list_silences(
        session, now, include_expired=expired, kind=SilenceKind.MAINTENANCE
    )
    return [views.silence_out(s, now) for s in rows]


@router.post("/maintenance", status_code=status.HTTP_201_CREATED, response_model=SilenceOut)
def create_maintenance(
    body: MaintenanceCreate, session: SessionDep, config: ConfigDep, user: WriterDep, now: NowDep
) -> SilenceOut:
    service.check_service(config, body.service)
    start, end = service.window(now, body.starts_at, body.ends_at, body.duration)
    silence = service.create_silence(
        session,
        SilenceKind.MAINTENANCE,
        body.matchers,
        start,
        end,
        body.comment,
        user.username,
        now,
        service=body.service,
    )
    session.commit()
    return views.silence_out(silence, now)


@router.delete(
    "/maintenance/{silence_id}",
    response_model=SilenceOut,
    responses=conflict("The maintenance window has already ended."),
)
def end_maintenance(
    silence_id: RowId, session: SessionDep, _user: WriterDep, now: NowDep
) -> SilenceOut:
    silence = service.expire(session, silence_id, now, SilenceKind.MAINTENANCE)
    session.commit()
    return views.silence_out(silence, now)


@router.get("/integrations", response_model=list[IntegrationOut])
def list_integrations(
    request: Request, session: SessionDep, config: ConfigDep, _user: UserDep
) -> list[IntegrationOut]:
    ingestor: Ingestor = request.app.state.ingestor
    stored = stored_signals(session)
    return [
        IntegrationOut(
            slug=i.slug,
            kind=i.kind.value,
            name=i.name,
            team=i.team,
            service=i.service,
            counters=ingestor.stats.of(i.slug),
            signals=stored.get(i.slug, StoredSignals()).by_outcome,
            last_signal_at=stored.get(i.slug, StoredSignals()).last_signal_at,
        )
        for i in config.integrations
    ]


@router.get("/changes", response_model=list[ServiceChangeOut])
def list_changes(
    session: SessionDep,
    _user: UserDep,
    service_: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> list[ServiceChangeOut]:
    stmt = select(ServiceChange)
    if service_:
        stmt = stmt.where(ServiceChange.service == service_)
    rows = session.scalars(stmt.order_by(ServiceChange.happened_at.desc()).limit(limit))
    return [
        ServiceChangeOut(
            id=c.id,
            integration=c.integration,
            service=c.service,
            summary=c.summary,
            source=c.source,
            happened_at=c.happened_at,
            received_at=c.received_at,
            links=c.links or [],
            details=c.details or {},
        )
        for c in rows
    ]
