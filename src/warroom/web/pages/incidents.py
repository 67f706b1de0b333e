"""Incidents: the list with its filters, and the war room of one incident with every action
of the CLI as a button or form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from warroom.auth import saved_views
from warroom.auth.permissions import Permission
from warroom.escalation import reassign as escalation_reassign
from warroom.escalation.schemas import ReassignRequest
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.http.inputs import MAX_INT
from warroom.incidents import actions, people, service, timeline, updates
from warroom.incidents.enums import Audience, IncidentAction, IncidentRole, IncidentStatus
from warroom.incidents.models import Incident, TimelineEntry
from warroom.incidents.schemas import (
    IncidentCreate,
    IncidentPatch,
    NoteCreate,
    SeverityChange,
    StatusUpdateCreate,
    TimestampCorrection,
)
from warroom.problems import InvalidInput
from warroom.web import access
from warroom.web import live as live_events
from warroom.web.forms import validated, words
from warroom.web.pages import war_room
from warroom.web.routing import PageRoute
from warroom.web.templating import render, render_text

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
TEXT = 20_000


def back(incident: Incident, anchor: str = "") -> Response:
    return RedirectResponse(f"/incidents/{incident.ref}{anchor}", status_code=303)


@router.get("/incidents")
def incident_list(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    severity: Annotated[list[str] | None, Query(max_length=32)] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    service_: Annotated[str | None, Query(alias="service", max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    open_only = status is None and "status" not in request.query_params
    statuses = (
        tuple(s for s in IncidentStatus if s.value not in ("resolved", "closed"))
        if open_only
        else tuple(status or ())
    )
    flt = service.IncidentFilter(
        statuses=statuses,
        severities=tuple(s for s in severity or () if s),
        team=team or None,
        service=service_ or None,
        since=None,
        until=None,
    )
    rows, total = service.search(session, flt, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": [war_room.summary(i, now) for i in rows],
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "filters": {
                "status": [s.value for s in statuses],
                "severity": list(severity or ()),
                "team": team or "",
                "service": service_ or "",
            },
            "statuses": [s.value for s in IncidentStatus],
            "severities": [s.key for s in config.severities],
            "teams": [t.slug for t in config.teams],
            "services": [s.slug for s in config.services],
            "can_declare": caller.may(Permission.RESPOND),
            "views": saved_views.visible(session, caller.user, "incidents"),
            "query": str(request.query_params),
            "my_teams": caller.user.teams,
            "me_id": caller.user.id,
            "default_severity": config.incident_defaults.severity,
        },
    )


@router.post("/incidents/views")
def save_view(
    session: SessionDep,
    now: NowDep,
    caller: access.AnyActionDep,
    name: Annotated[str, Form(max_length=80)],
    query: Annotated[str, Form(max_length=2000)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    view = saved_views.save(session, caller.user, "incidents", name, query, team or None, now)
    session.commit()
    return RedirectResponse(f"/incidents?{view.query}", status_code=303)


@router.post("/incidents/views/{view_id}/delete")
def delete_view(
    view_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    caller: access.AnyActionDep,
) -> Response:
    saved_views.delete(session, caller.user, view_id)
    session.commit()
    return RedirectResponse("/incidents", status_code=303)


@router.post("/incidents")
def declare(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    title: Annotated[str, Form(max_length=TEXT)],
    team: Annotated[str, Form(max_length=64)],
    severity: Annotated[str, Form(max_length=32)] = "",
    services: Annotated[str, Form(max_length=TEXT)] = "",
    summary: Annotated[str, Form(max_length=TEXT)] = "",
    detected_by: Annotated[str, Form(max_length=32)] = "person",
) -> Response:
    body = validated(
        IncidentCreate,
        title=title,
        team=team,
        severity=severity or None,
        services=words(services),
        summary=summary,
        detected_by=detected_by,
    )
    incident = service.declare(session, config, caller.user, body.command(), now)
    session.commit()
    return back(incident)


@router.get("/incidents/{ref}")
def incident_page(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
) -> Response:
    incident = service.get(session, ref)
    return render(
        request, "incidents/page.html", war_room.context(session, config, incident, caller, now)
    )


def _locked(session: Session, ref: str) -> Incident:
    return service.lock(session, ref)


@router.post("/incidents/{ref}/actions/{action}")
def act(
    ref: str,
    action: IncidentAction,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    incident = _locked(session, ref)
    actions.apply_action(session, config, caller.user, incident, action, now, reason or None)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/severity")
def set_severity(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    severity: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    body = validated(SeverityChange, severity=severity, reason=reason or None)
    incident = _locked(session, ref)
    actions.change_severity(session, config, caller.user, incident, body.severity, now, body.reason)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/edit")
def edit(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    title: Annotated[str, Form(max_length=TEXT)],
    summary: Annotated[str, Form(max_length=TEXT)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
    services: Annotated[str, Form(max_length=TEXT)] = "",
) -> Response:
    body = validated(
        IncidentPatch,
        title=title,
        summary=summary,
        team=team or None,
        services=words(services),
    )
    changes = body.changes()
    if not summary:
        changes["summary"] = ""
    incident = _locked(session, ref)
    service.patch(session, config, caller.user, incident, changes, now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/timestamps")
def correct_timestamp(
    ref: str,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
    field: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    body = validated(TimestampCorrection, field=field, value=value, reason=reason)
    incident = _locked(session, ref)
    actions.correct_timestamp(
        session, caller.user, incident, body.field, body.value, body.reason, now
    )
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/roles")
def take_role(
    ref: str,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
    role: Annotated[IncidentRole, Form()],
    user: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    incident = _locked(session, ref)
    assignee = people.find_user(session, user) if user else caller.user
    people.assign_role(session, caller.user, incident, role, assignee, now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/roles/{role}/release")
def release_role(
    ref: str,
    role: IncidentRole,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
) -> Response:
    incident = _locked(session, ref)
    people.release_role(session, caller.user, incident, role, now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/participants")
def join(
    ref: str,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
    user: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    incident = _locked(session, ref)
    participant = people.find_user(session, user) if user else caller.user
    people.add_participant(session, caller.user, incident, participant, now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/participants/{username}/remove")
def leave(
    ref: str,
    username: str,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
) -> Response:
    incident = _locked(session, ref)
    participant = people.find_user(session, username, "username")
    people.remove_participant(session, caller.user, incident, participant, now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/notes")
def add_note(
    ref: str,
    session: SessionDep,
    now: NowDep,
    caller: access.ResponderAction,
    text: Annotated[str, Form(max_length=TEXT)],
    pinned: Annotated[bool, Form()] = False,
) -> Response:
    body = validated(NoteCreate, text=text, pinned=pinned)
    incident = _locked(session, ref)
    updates.add_note(session, caller.user, incident, body.text, body.pinned, now)
    session.commit()
    return back(incident, "#timeline")


@router.post("/incidents/{ref}/updates")
def post_update(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    text: Annotated[str, Form(max_length=TEXT)],
    audience: Annotated[Audience, Form()] = Audience.INTERNAL,
    public_title: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    public = audience is Audience.PUBLIC
    body = validated(
        StatusUpdateCreate,
        text=text,
        audience=audience,
        public_title=public_title.strip() if public else "",
    )
    incident = _locked(session, ref)
    updates.post_update(
        session, config, caller.user, incident, body.text, body.audience, now, body.public_title
    )
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/reassign")
def reassign(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    user: Annotated[str, Form(max_length=64)] = "",
    policy: Annotated[str, Form(max_length=63)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Page someone else, or run another escalation policy (``warroom incident reassign``)."""
    body = validated(ReassignRequest, user=user, policy=policy, reason=reason)
    incident = _locked(session, ref)
    escalation_reassign.reassign(session, config, caller.user, incident, body.command(), now)
    session.commit()
    return back(incident)


@router.post("/incidents/{ref}/pins")
def pin(
    ref: str,
    session: SessionDep,
    caller: access.ResponderAction,
    pin: Annotated[int | None, Form(ge=1, le=MAX_INT)] = None,
    unpin: Annotated[int | None, Form(ge=1, le=MAX_INT)] = None,
) -> Response:
    """Pin (``pin=ID``) or unpin (``unpin=ID``) a timeline entry: one form around the
    timeline, each entry's button naming it."""
    if (pin is None) == (unpin is None):
        raise InvalidInput("name one entry to pin or unpin", field="pin")
    incident = _locked(session, ref)
    entry_id = pin if pin is not None else unpin
    assert entry_id is not None
    timeline.set_pinned(session, incident, entry_id, pin is not None)
    session.commit()
    return back(incident, f"#entry-{entry_id}")


@router.get("/incidents/{ref}/live")
async def live(
    ref: str,
    request: Request,
    caller: access.ReaderPage,
    after: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> Response:
    """Server-sent events of the incident page: ``entry`` (new timeline entries, newest
    first) and ``summary`` (status, roles, next update, durations)."""
    factory = request.app.state.session_factory
    csrf_token = request.state.csrf_token

    def find() -> int:
        with factory() as session:
            return service.get(session, ref).id

    incident_id = await run_in_threadpool(find)

    def render_new(ids: list[int] | None, after: int, sent: set[int]) -> tuple[str, str, list[int]]:
        with factory() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                return "", "", []
            condition = TimelineEntry.id.in_(ids) if ids is not None else TimelineEntry.id > after
            rows = [
                e
                for e in session.scalars(
                    select(TimelineEntry)
                    .where(TimelineEntry.incident_id == incident_id, condition)
                    .order_by(TimelineEntry.id.desc())
                )
                if e.id not in sent
            ]
            now = request.app.state.clock()
            common = {"csrf_token": csrf_token, "can_act": caller.may(Permission.RESPOND)}
            entries = render_text("incidents/_entries.html", {**common, "entries": rows})
            summary = render_text(
                "incidents/_summary.html",
                {**war_room.summary_context(incident, caller, now), **common},
            )
            return entries, summary, [e.id for e in rows]

    return StreamingResponse(
        live_events.stream(request.app.state.timeline_watch, incident_id, after, render_new),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
