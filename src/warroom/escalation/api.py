"""REST routes: an incident's escalation, reassigning it, acknowledging its page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from warroom.escalation import reassign as escalation_reassign
from warroom.escalation.schemas import EscalationOut, ReassignRequest
from warroom.escalation.service import live_runs
from warroom.escalation.views import escalation_out
from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.documented import conflict
from warroom.incidents import actions, service, timeline
from warroom.incidents.enums import IncidentAction, IncidentStatus, TimelineKind
from warroom.problems import Conflict

router = APIRouter(prefix="/api/v1/incidents", tags=["escalation"])


@router.get("/{ref}/escalation", response_model=EscalationOut)
def get_escalation(
    ref: str, request: Request, session: SessionDep, _user: UserDep
) -> EscalationOut:
    """Runs (state, policy snapshot, position, next step), pages and their deliveries."""
    incident = service.get(session, ref)
    request.state.incident = incident.ref
    return escalation_out(session, incident)


@router.post(
    "/{ref}/reassign",
    response_model=EscalationOut,
    responses=conflict("The incident is not paging anyone, or the page cannot go to that person."),
)
def reassign(
    ref: str,
    body: ReassignRequest,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> EscalationOut:
    """Stop the current escalation and page ``user`` (then the team policy), or run
    ``policy`` from its first step."""
    incident = service.lock(session, ref)
    request.state.incident = incident.ref
    escalation_reassign.reassign(session, config, user, incident, body.command(), now)
    session.commit()
    return escalation_out(session, incident)


@router.post(
    "/{ref}/escalation/acknowledge",
    response_model=EscalationOut,
    responses=conflict("The incident is not paging anyone."),
)
def acknowledge_page(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    user: WriterDep,
    now: NowDep,
) -> EscalationOut:
    """Acknowledge the page: a triggered incident becomes acknowledged; an acknowledged one
    that is paging again (re-triggered, reassigned) stops paging."""
    incident = service.lock(session, ref)
    request.state.incident = incident.ref
    if incident.status is IncidentStatus.TRIGGERED:
        actions.apply_action(session, config, user, incident, IncidentAction.ACKNOWLEDGE, now)
    elif live_runs(session, incident):
        timeline.record(
            session,
            incident,
            TimelineKind.PAGE_ACKNOWLEDGED,
            user,
            f"{user.username} acknowledged the page",
            now,
            after={"user": user.username},
        )
    else:
        raise Conflict(f"{incident.ref} is not paging anyone", field="ref")
    session.commit()
    return escalation_out(session, incident)
