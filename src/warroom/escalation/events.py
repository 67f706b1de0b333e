"""The escalation stage's incident listener: what each incident event means for paging.

- declared: a severity that pages starts a run of the owning team's policy; otherwise the
  timeline says why nobody is paged (ticket only, or no policy: unroutable).
- acknowledged (status change, or a page acknowledged from a link or Slack): live runs stop
  as acknowledged, pages not yet sent are cancelled, the acknowledgement timeout starts.
- mitigated, resolved, closed: runs stop.
- severity changed: raised to a paging severity with nothing paging yet starts a run; lowered
  to one that does not page stops it; a deferred run whose new window is open pages now.
- reopened: nothing (the incident is acknowledged).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.escalation.models import EscalationState, PageStatus
from warroom.escalation.service import (
    end_runs,
    live_runs,
    new_token,
    policy_of,
    record_no_page,
    runs_of,
    schedule_step,
    severity_pages,
    start_run,
    still_pages,
)
from warroom.escalation.steps import schedule_ack_timeout, step_now
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident

STOPPING_STATUSES = {
    IncidentStatus.MITIGATED.value,
    IncidentStatus.RESOLVED.value,
    IncidentStatus.CLOSED.value,
}


def start_for_team(
    session: Session, config: Config, incident: Incident, now: datetime, reason: str
) -> None:
    """Start the owning team's policy, or record why nobody is paged. Without any
    escalation policy in the configuration, paging is not set up: nothing to say."""
    if not config.escalation_policies:
        return
    severity = config.severity(incident.severity)
    if severity is None or not severity_pages(severity):
        why = "response: none" if severity is not None and severity.page else "page: false"
        record_no_page(
            session,
            incident,
            f"{incident.severity} does not page ({why}): ticket only, no page",
            "no_page_severity",
            now,
        )
        return
    team = config.team(incident.team)
    slug = team.escalation_policy if team is not None else None
    policy = config.escalation_policy(slug) if slug is not None else None
    if policy is None:
        record_no_page(
            session,
            incident,
            f"nobody could be paged: team {incident.team} has no escalation policy; unroutable",
            "no_policy",
            now,
        )
        return
    # The first step is due now: it runs in this transaction, not as one more job, so the
    # first page is enqueued with the incident's declaration event.
    run = start_run(
        session, incident, policy, now, reason=reason, policy_slug=slug, schedule_first=False
    )
    if still_pages(session, config, incident, run):
        step_now(session, config, incident, run, now)


def acknowledge(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    by = f" by {event.actor}" if event.actor else ""
    ended = end_runs(
        session,
        incident,
        EscalationState.ACKNOWLEDGED,
        PageStatus.ACKNOWLEDGED,
        now,
        f"escalation stopped: acknowledged{by}",
        reason="acknowledged",
    )
    if ended:
        run = ended[-1]
    else:
        exhausted = [r for r in runs_of(session, incident) if r.state is EscalationState.EXHAUSTED]
        if not exhausted:
            return
        run = exhausted[-1]
        run.state = EscalationState.ACKNOWLEDGED
        run.token = new_token()
        run.updated_at = now
    timeout = policy_of(run).ack_timeout
    if timeout is not None:
        schedule_ack_timeout(session, run, event.at, event.at + timeout, now)


def _on_declared(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    if incident.status is IncidentStatus.TRIGGERED:
        start_for_team(session, config, incident, now, "declared")


def _on_status(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    if event.new_status == IncidentStatus.ACKNOWLEDGED.value:
        acknowledge(session, config, incident, event, now)
    elif event.new_status in STOPPING_STATUSES:
        end_runs(
            session,
            incident,
            EscalationState.STOPPED,
            PageStatus.CANCELLED,
            now,
            f"escalation stopped: {incident.ref} {event.new_status}",
            reason=str(event.new_status),
        )


def _on_severity(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    severity = config.severity(incident.severity)
    live = live_runs(session, incident)
    if not severity_pages(severity):
        end_runs(
            session,
            incident,
            EscalationState.STOPPED,
            PageStatus.CANCELLED,
            now,
            f"escalation stopped: {incident.severity} does not page",
            reason="no_page_severity",
        )
        return
    if not live:
        if incident.status is IncidentStatus.TRIGGERED:
            start_for_team(
                session, config, incident, now, f"severity changed to {incident.severity}"
            )
        return
    team = config.team(incident.team)
    assert severity is not None
    for run in live:
        deferred = run.state is EscalationState.DEFERRED
        if deferred and team is not None and team.responds_at(severity.response, now):
            run.token = new_token()  # the job waiting for the old window is dropped
            schedule_step(session, run, now, now)


Handler = Callable[[Session, Config, Incident, IncidentEvent, datetime], None]
HANDLERS: dict[TimelineKind, Handler] = {
    TimelineKind.DECLARED: _on_declared,
    TimelineKind.STATUS_CHANGED: _on_status,
    TimelineKind.PAGE_ACKNOWLEDGED: acknowledge,
    TimelineKind.SEVERITY_CHANGED: _on_severity,
}


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    """The listener registered in ``warroom.app.INCIDENT_LISTENERS``."""
    handler = HANDLERS.get(event.kind)
    if handler is None:
        return
    locked = lock_incident(session, incident.id)
    if locked is not None:
        handler(session, config, locked, event, now)
