"""Escalation runs: starting, stopping and acknowledging the run of a policy for an incident.

A run (table ``escalations``) keeps a snapshot of the policy it started with and a random
``token``. Its steps are jobs carrying the token; stopping, acknowledging or replacing the run
changes the token, so its pending jobs find a stale token when they come due and do nothing.
Everything here runs inside the caller's transaction with the incident row locked.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import NotRequired, TypedDict

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config, ResponseWindow, Severity
from warroom.config.escalation import EscalationPolicy
from warroom.escalation.messenger import messenger
from warroom.escalation.models import Escalation, EscalationState, Page, PageStatus
from warroom.incidents import timeline
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import WAKE_WORKER
from warroom.incidents.models import Incident, TimelineEntry
from warroom.jobs.queue import schedule

ESCALATION_STEP_JOB = "escalation_step"
ACK_TIMEOUT_JOB = "escalation_ack_timeout"

LIVE_STATES = (EscalationState.ACTIVE, EscalationState.DEFERRED)
"""States of a run that may still page someone."""
PAGING_STATUSES = (IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED)
"""An incident in these statuses may be paged for (acknowledged: after a re-trigger or a
reassign, until someone acknowledges the page)."""


class StepPayload(TypedDict):
    """Job ``escalation_step``: run ``escalation_id``'s step, if the run is still at this
    position (token, step, round)."""

    escalation_id: int
    token: str
    step: int
    round: int
    waited: NotRequired[str]
    """How long the run waited before this step (for the timeline)."""


def new_token() -> str:
    return secrets.token_hex(16)


def severity_pages(severity: Severity | None) -> bool:
    return severity is not None and severity.page and severity.response is not ResponseWindow.NONE


def policy_of(run: Escalation) -> EscalationPolicy:
    """The policy as it was when the run started."""
    return EscalationPolicy.model_validate(run.snapshot)


def runs_of(session: Session, incident: Incident) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.incident_id == incident.id)
    return list(session.scalars(stmt.order_by(Escalation.id)))


def live_runs(session: Session, incident: Incident) -> list[Escalation]:
    return [run for run in runs_of(session, incident) if run.state in LIVE_STATES]


def acknowledged_since(session: Session, incident: Incident, moment: datetime) -> bool:
    """Whether someone acknowledged the incident, or a page of it, after ``moment``."""
    if incident.acknowledged_at is not None and incident.acknowledged_at > moment:
        return True
    stmt = select(
        exists().where(
            TimelineEntry.incident_id == incident.id,
            TimelineEntry.kind == TimelineKind.PAGE_ACKNOWLEDGED,
            TimelineEntry.at > moment,
        )
    )
    return bool(session.scalar(stmt))


def still_pages(session: Session, config: Config, incident: Incident, run: Escalation) -> bool:
    """Whether ``run`` should still page: the incident is open and not mitigated, its
    severity pages, and nobody acknowledged since the run started (the acknowledgement's own
    event stops the run; this guards a step that comes due before that event is handled)."""
    return (
        run.state in LIVE_STATES
        and incident.status in PAGING_STATUSES
        and severity_pages(config.severity(incident.severity))
        and not acknowledged_since(session, incident, run.started_at)
    )


def step_job_key(run: Escalation, due: datetime) -> str:
    return f"escalation:{run.id}:{run.token}:{run.round}:{run.step}:{due:%Y%m%dT%H%M%S.%f}"


def schedule_step(
    session: Session, run: Escalation, due: datetime, now: datetime, *, waited: str | None = None
) -> None:
    """The job that runs the run's current step (and what follows at once) at ``due``."""
    payload: StepPayload = {
        "escalation_id": run.id,
        "token": run.token,
        "step": run.step,
        "round": run.round,
    }
    if waited is not None:
        payload["waited"] = waited
    schedule(session, ESCALATION_STEP_JOB, due, now, payload, key=step_job_key(run, due))
    run.next_at = due
    if due <= now:
        session.info[WAKE_WORKER] = True


def start_run(
    session: Session,
    incident: Incident,
    policy: EscalationPolicy,
    now: datetime,
    *,
    reason: str,
    policy_slug: str | None,
    schedule_first: bool = True,
) -> Escalation:
    """A new active run from step 0 of ``policy``; its first step runs at once, as a job
    (or, with ``schedule_first=False``, by the caller in its own transaction)."""
    run = Escalation(
        incident_id=incident.id,
        policy=policy_slug,
        snapshot=policy.model_dump(mode="json"),
        state=EscalationState.ACTIVE,
        token=new_token(),
        step=0,
        round=0,
        reason=reason,
        started_at=now,
        updated_at=now,
        next_at=now,
    )
    session.add(run)
    session.flush()
    if schedule_first:
        schedule_step(session, run, now, now)
    return run


def _settle_pages(session: Session, incident: Incident, status: PageStatus) -> int:
    """Pages still paging become ``status``; their deliveries not yet sent are cancelled.
    Returns how many deliveries were cancelled."""
    paging = select(Page.id).where(
        Page.incident_id == incident.id, Page.status == PageStatus.PAGING
    )
    page_ids = list(session.scalars(paging))
    if not page_ids:
        return 0
    session.execute(update(Page).where(Page.id.in_(page_ids)).values(status=status))
    return messenger().cancel_pages(session, page_ids)


def end_runs(
    session: Session,
    incident: Incident,
    state: EscalationState,
    page_status: PageStatus,
    now: datetime,
    text: str,
    *,
    actor: User | None = None,
    reason: str,
) -> list[Escalation]:
    """Stop (or mark acknowledged) every live run; every run's token changes so its pending
    jobs, including an acknowledgement timeout, are dropped. Records ``text`` on the timeline
    when a live run ended. Returns the runs that were live."""
    ended = []
    for run in runs_of(session, incident):
        if run.state not in (*LIVE_STATES, EscalationState.ACKNOWLEDGED):
            continue
        run.token = new_token()
        run.next_at = None
        run.updated_at = now
        if run.state in LIVE_STATES:
            run.state = state
            ended.append(run)
    cancelled = _settle_pages(session, incident, page_status)
    if ended:
        timeline.record(
            session,
            incident,
            TimelineKind.ESCALATION_STOPPED,
            actor,
            text,
            now,
            after={
                "reason": reason,
                "escalations": [run.id for run in ended],
                "cancelled_deliveries": cancelled,
            },
        )
    return ended


def record_no_page(
    session: Session, incident: Incident, text: str, reason: str, now: datetime
) -> None:
    """Nobody is paged for the incident, and the timeline says why."""
    timeline.record(
        session,
        incident,
        TimelineKind.ESCALATION_STOPPED,
        None,
        text,
        now,
        after={"reason": reason, "escalations": []},
    )
