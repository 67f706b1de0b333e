"""Acknowledge or resolve from a signed link in a page.

``GET /act/{token}`` only shows what the link would do, with a button: mail scanners and
link previews follow links, and must not acknowledge anything. ``POST /act/{token}`` acts,
as the person the page went to (a warroom user is made for a configured person on first
use). An altered link answers 403, an expired one 410, an incident already past the action
409 - each with a page that says so.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from warroom.auth import audit
from warroom.auth.service import ensure_user
from warroom.auth.signing import BadSignature, signing_key
from warroom.config import Config
from warroom.http.deps import ConfigDep, NowDep, SessionDep, client_address
from warroom.incidents import timeline
from warroom.incidents.actions import apply_action
from warroom.incidents.enums import IncidentAction, IncidentStatus, TimelineKind
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident
from warroom.notify.action_links import ActionGrant, LinkAction, read_grant
from warroom.problems import Conflict

router = APIRouter(tags=["notifications"], include_in_schema=False)

_env = Environment(
    loader=PackageLoader("warroom.notify", "templates"), autoescape=select_autoescape(["j2"])
)
VERBS = {LinkAction.ACKNOWLEDGE: "Acknowledge", LinkAction.RESOLVE: "Resolve"}


def _page(
    status: int,
    heading: str,
    text: str,
    incident: Incident | None = None,
    confirm: str | None = None,
) -> HTMLResponse:
    html = _env.get_template("act.html.j2").render(
        heading=heading, text=text, incident=incident, confirm=confirm
    )
    return HTMLResponse(html, status_code=status)


def _grant(
    request: Request, session: Session, token: str, now: datetime
) -> ActionGrant | HTMLResponse:
    key = signing_key(session, now, request.app.state.settings.secret_key)
    try:
        return read_grant(key, token, now)
    except BadSignature as exc:
        if "expired" in str(exc):
            return _page(410, "This link has expired", "Open warroom to act on the incident.")
        return _page(403, "This link is not valid", "It was altered or made for something else.")


@router.get("/act/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, session: SessionDep, now: NowDep) -> HTMLResponse:
    grant = _grant(request, session, token, now)
    session.commit()  # the signing key may have been made just now
    if isinstance(grant, HTMLResponse):
        return grant
    incident = session.get(Incident, grant.incident_id)
    if incident is None:
        return _page(404, "No such incident", "The incident of this link no longer exists.")
    verb = VERBS[grant.action]
    return _page(
        200,
        f"{verb} {incident.ref}?",
        f"This will {grant.action.value} {incident.ref} as {grant.username}.",
        incident,
        confirm=f"{verb} {incident.ref}",
    )


@router.post("/act/{token}", response_class=HTMLResponse)
def act(
    request: Request, token: str, session: SessionDep, config: ConfigDep, now: NowDep
) -> HTMLResponse:
    grant = _grant(request, session, token, now)
    if isinstance(grant, HTMLResponse):
        return grant
    request_id = getattr(request.state, "request_id", None)
    audit.act_as(
        session, audit.Actor(grant.username, audit.VIA_LINK, client_address(request), request_id)
    )
    incident = lock_incident(session, grant.incident_id)
    if incident is None:
        return _page(404, "No such incident", "The incident of this link no longer exists.")
    try:
        text = perform(session, config, incident, grant, now)
    except Conflict as exc:
        session.rollback()
        return _page(409, "Nothing to do", exc.message, incident)
    session.commit()
    return _page(200, "Done", text, incident)


def perform(
    session: Session, config: Config, incident: Incident, grant: ActionGrant, now: datetime
) -> str:
    person = config.person(grant.username)
    email = None
    if person is not None:
        email = next((c.target for c in person.contacts if c.kind.value == "email"), None)
    user = ensure_user(
        session,
        grant.username,
        now,
        email=email,
        display_name=person.name if person is not None else None,
    )
    if grant.action is LinkAction.RESOLVE:
        apply_action(session, config, user, incident, IncidentAction.RESOLVE, now)
        return f"{user.username} resolved {incident.ref}."
    if incident.status is IncidentStatus.TRIGGERED:
        apply_action(session, config, user, incident, IncidentAction.ACKNOWLEDGE, now)
        return f"{user.username} acknowledged {incident.ref}; escalation stops."
    if incident.status is IncidentStatus.ACKNOWLEDGED:
        # Already acknowledged (a re-triggered or reassigned page): acknowledging the page
        # stops the escalation that paged this person.
        timeline.record(
            session,
            incident,
            TimelineKind.PAGE_ACKNOWLEDGED,
            user,
            f"{user.username} acknowledged the page for {incident.ref}",
            now,
            after={"page_id": grant.page_id},
        )
        return f"{user.username} acknowledged the page for {incident.ref}; escalation stops."
    raise Conflict(f"{incident.ref} is already {incident.status.value}", field="action")
