"""REST routes for incidents under /api/v1/incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import StringConstraints

from warroom.auth.permissions import Permission
from warroom.http.deps import (
    ConfigDep,
    NowDep,
    PrincipalDep,
    SessionDep,
    UserDep,
    WriterDep,
    refuse,
)
from warroom.http.documented import conflict
from warroom.http.inputs import MAX_INT, NO_NUL, Instant
from warroom.incidents import actions, people, service, timeline, updates, views
from warroom.incidents.enums import IncidentAction, IncidentRole, IncidentStatus
from warroom.incidents.models import Incident
from warroom.incidents.schemas import (
    SLUG,
    ActionRequest,
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    NoteCreate,
    ParticipantAdd,
    PinRequest,
    RoleAssign,
    SeverityChange,
    StatusUpdateCreate,
    StatusUpdateOut,
    TimelineEntryOut,
    TimelineOut,
    TimestampCorrection,
)
from warroom.problems import InvalidInput

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

MAX_PAGE = 200
SeverityKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]


def _tag(request: Request, incident: Incident) -> None:
    request.state.incident = incident.ref


def _load(request: Request, session: SessionDep, ref: str, *, for_update: bool) -> Incident:
    incident = service.lock(session, ref) if for_update else service.get(session, ref)
    _tag(request, incident)
    return incident


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IncidentOut)
def declare(
    body: IncidentCreate,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = service.declare(session, config, user, body.command(), now)
    session.commit()
    _tag(request, incident)
    return views.incident_out(incident, now)


@router.get("", response_model=IncidentPage)
def list_incidents(
    session: SessionDep,
    _user: UserDep,
    now: NowDep,
    status_: Annotated[list[IncidentStatus] | None, Query(alias="status")] = None,
    severity: Annotated[list[SeverityKey] | None, Query()] = None,
    team: Annotated[str | None, Query(pattern=SLUG)] = None,
    service_: Annotated[str | None, Query(alias="service", pattern=SLUG)] = None,
    since: Annotated[Instant | None, Query(description="detected at or after")] = None,
    until: Annotated[Instant | None, Query(description="detected before")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> IncidentPage:
    flt = service.IncidentFilter(
        statuses=tuple(status_ or ()),
        severities=tuple(severity or ()),
        team=team,
        service=service_,
        since=since,
        until=until,
    )
    rows, total = service.search(session, flt, limit=limit, offset=offset)
    next_offset = offset + limit if offset + limit < total else None
    return IncidentPage(
        items=[views.incident_out(i, now) for i in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=next_offset,
    )


@router.get("/{ref}", response_model=IncidentOut)
def get_incident(
    ref: str, request: Request, session: SessionDep, _user: UserDep, now: NowDep
) -> IncidentOut:
    return views.incident_out(_load(request, session, ref, for_update=False), now)


@router.patch("/{ref}", response_model=IncidentOut)
def patch_incident(
    ref: str,
    body: IncidentPatch,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    service.patch(session, config, user, incident, body.changes(), now)
    session.commit()
    return views.incident_out(incident, now)


@router.post(
    "/{ref}/actions/{action}",
    response_model=IncidentOut,
    responses=conflict(
        "The incident's status does not allow this action, or a postmortem must be "
        "published before closing it."
    ),
)
def act(
    ref: str,
    action: IncidentAction,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    principal: PrincipalDep,
    now: NowDep,
    body: ActionRequest | None = None,
) -> IncidentOut:
    override = body.override_postmortem if body else None
    if override is not None:
        if action is not IncidentAction.CLOSE:
            raise InvalidInput(
                "override_postmortem applies to closing only", field="override_postmortem"
            )
        refuse(principal, Permission.ADMIN)
    incident = _load(request, session, ref, for_update=True)
    reason = body.reason if body else None
    actions.apply_action(session, config, user, incident, action, now, reason, override)
    session.commit()
    return views.incident_out(incident, now)


@router.post(
    "/{ref}/severity",
    response_model=IncidentOut,
    responses=conflict("The incident already has this severity."),
)
def set_severity(
    ref: str,
    body: SeverityChange,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    actions.change_severity(session, config, user, incident, body.severity, now, body.reason)
    session.commit()
    return views.incident_out(incident, now)


@router.post(
    "/{ref}/timestamps",
    response_model=IncidentOut,
    responses=conflict("The corrected time would put the incident's timestamps out of order."),
)
def correct_timestamp(
    ref: str,
    body: TimestampCorrection,
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    actions.correct_timestamp(session, user, incident, body.field, body.value, body.reason, now)
    session.commit()
    return views.incident_out(incident, now)


@router.post(
    "/{ref}/roles",
    response_model=IncidentOut,
    responses=conflict("The person already holds this role."),
)
def assign_role(
    ref: str,
    body: RoleAssign,
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    assignee = people.find_user(session, body.user) if body.user else user
    people.assign_role(session, user, incident, body.role, assignee, now)
    session.commit()
    return views.incident_out(incident, now)


@router.delete(
    "/{ref}/roles/{role}", response_model=IncidentOut, responses=conflict("Nobody holds this role.")
)
def release_role(
    ref: str,
    role: IncidentRole,
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    people.release_role(session, user, incident, role, now)
    session.commit()
    return views.incident_out(incident, now)


@router.post(
    "/{ref}/participants",
    response_model=IncidentOut,
    responses=conflict("The person already participates."),
)
def add_participant(
    ref: str,
    body: ParticipantAdd,
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    participant = people.find_user(session, body.user) if body.user else user
    people.add_participant(session, user, incident, participant, now)
    session.commit()
    return views.incident_out(incident, now)


@router.delete(
    "/{ref}/participants/{username}",
    response_model=IncidentOut,
    responses=conflict("The person holds a role: hand it over first."),
)
def remove_participant(
    ref: str,
    username: Annotated[str, Path(pattern=NO_NUL)],
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> IncidentOut:
    incident = _load(request, session, ref, for_update=True)
    people.remove_participant(
        session, user, incident, people.find_user(session, username, "username"), now
    )
    session.commit()
    return views.incident_out(incident, now)


@router.get("/{ref}/timeline", response_model=TimelineOut)
def get_timeline(
    ref: str,
    request: Request,
    session: SessionDep,
    _user: UserDep,
    pinned: bool = False,
) -> TimelineOut:
    incident = _load(request, session, ref, for_update=False)
    rows = timeline.entries(session, incident, pinned_only=pinned)
    return TimelineOut(
        incident=incident.ref,
        durations=views.durations(incident),
        entries=[views.timeline_entry_out(e) for e in rows],
    )


@router.post("/{ref}/notes", status_code=status.HTTP_201_CREATED, response_model=TimelineEntryOut)
def add_note(
    ref: str,
    body: NoteCreate,
    request: Request,
    session: SessionDep,
    user: WriterDep,
    now: NowDep,
) -> TimelineEntryOut:
    incident = _load(request, session, ref, for_update=True)
    entry = updates.add_note(session, user, incident, body.text, body.pinned, now)
    session.commit()
    return views.timeline_entry_out(entry)


@router.post("/{ref}/timeline/{entry_id}/pin", response_model=TimelineEntryOut)
def pin_entry(
    ref: str,
    entry_id: Annotated[int, Path(le=MAX_INT)],
    body: PinRequest,
    request: Request,
    session: SessionDep,
    _user: WriterDep,
) -> TimelineEntryOut:
    incident = _load(request, session, ref, for_update=True)
    entry = timeline.set_pinned(session, incident, entry_id, body.pinned)
    session.commit()
    return views.timeline_entry_out(entry)


@router.get("/{ref}/updates", response_model=list[StatusUpdateOut])
def list_updates(
    ref: str, request: Request, session: SessionDep, _user: UserDep
) -> list[StatusUpdateOut]:
    incident = _load(request, session, ref, for_update=False)
    return [views.status_update_out(u) for u in updates.list_updates(session, incident)]


@router.post("/{ref}/updates", status_code=status.HTTP_201_CREATED, response_model=StatusUpdateOut)
def post_update(
    ref: str,
    body: StatusUpdateCreate,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> StatusUpdateOut:
    incident = _load(request, session, ref, for_update=True)
    update = updates.post_update(
        session, config, user, incident, body.text, body.audience, now, body.public_title
    )
    session.commit()
    return views.status_update_out(update)
