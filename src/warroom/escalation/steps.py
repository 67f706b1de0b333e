"""The jobs of an escalation run: a step coming due, and an acknowledgement timing out.

A step job carries (run id, token, step, round). It locks the incident, drops itself when the
token or position is stale or the incident no longer needs paging, defers to the response
window's opening when the team does not respond now, else runs the step and every notify
step after it, and schedules the next job (after a ``wait``) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.config import Config, ResponseWindow, Team, format_duration
from warroom.config.escalation import EscalationPolicy, EscalationStep
from warroom.escalation.messenger import messenger
from warroom.escalation.models import Escalation, EscalationState
from warroom.escalation.paging import page_person, where
from warroom.escalation.service import (
    ACK_TIMEOUT_JOB,
    StepPayload,
    new_token,
    policy_of,
    schedule_step,
    start_run,
    still_pages,
)
from warroom.escalation.windows import RESPONSE_WORDS, describe_local, next_opening
from warroom.incidents import timeline
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident, TimelineEntry
from warroom.jobs.queue import schedule
from warroom.schedules import service as oncall_schedule

log = structlog.get_logger("warroom.escalation.service")


def _unique(usernames: list[str]) -> list[str]:
    return list(dict.fromkeys(usernames))


def _record(
    session: Session,
    incident: Incident,
    kind: TimelineKind,
    run: Escalation,
    text: str,
    now: datetime,
    **after: Any,
) -> None:
    after = {"escalation_id": run.id, "step": run.step + 1, "round": run.round + 1, **after}
    timeline.record(session, incident, kind, None, text, now, after=after)


def _notify_step(
    session: Session,
    config: Config,
    incident: Incident,
    run: Escalation,
    step: EscalationStep,
    now: datetime,
) -> None:
    if step.notify_on_call is not None:
        slug = step.notify_on_call
        usernames = _unique(oncall_schedule.on_call(session, config, slug, now))
        if not usernames:
            _record(
                session,
                incident,
                TimelineKind.PAGED,
                run,
                f"nobody on call in {slug}, {where(run, run.step)}; continuing",
                now,
                schedule=slug,
                usernames=[],
            )
        for username in usernames:
            why = f"on call in {slug}"
            page_person(session, config, incident, run, username, why, run.step, now)
    elif step.notify_users is not None:
        for username in _unique(step.notify_users):
            why = "named in the policy"
            page_person(session, config, incident, run, username, why, run.step, now)
    elif step.notify_team_channel:
        key = f"escalation:{run.id}:{run.round}:{run.step}:team"
        sent = messenger().post_to_team(session, config, incident, now, key)
        channels = [delivery.target for delivery in sent]
        text = (
            f"posted to {incident.team}'s channels ({', '.join(channels)}), {where(run, run.step)}"
            if channels
            else f"{incident.team} has no channel to post to, {where(run, run.step)}"
        )
        _record(session, incident, TimelineKind.NOTIFIED, run, text, now, channels=channels)


def _finish(
    session: Session, config: Config, incident: Incident, run: Escalation, now: datetime
) -> None:
    """After the last round: the final people once, then the run is exhausted."""
    policy = policy_of(run)
    for username in _unique(policy.final):
        page_person(session, config, incident, run, username, "final fallback", None, now)
    run.state = EscalationState.EXHAUSTED
    run.next_at = None
    rounds = policy.repeat + 1
    text = (
        f"escalation exhausted: nobody acknowledged after {rounds} "
        f"round{'' if rounds == 1 else 's'}" + (" and the final fallback" if policy.final else "")
    )
    timeline.record(
        session,
        incident,
        TimelineKind.ESCALATION_STOPPED,
        None,
        text,
        now,
        after={"reason": "exhausted", "escalations": [run.id]},
    )


def advance(
    session: Session, config: Config, incident: Incident, run: Escalation, now: datetime
) -> None:
    """Run steps from the run's position until a wait (scheduled) or the end."""
    policy: EscalationPolicy = policy_of(run)
    while True:
        if run.step < len(policy.steps):
            step = policy.steps[run.step]
            if step.wait is not None:
                run.step += 1
                schedule_step(session, run, now + step.wait, now, waited=format_duration(step.wait))
                return
            _notify_step(session, config, incident, run, step, now)
            run.step += 1
            continue
        if run.round < policy.repeat:
            run.round += 1
            run.step = 0
            _record(
                session,
                incident,
                TimelineKind.ESCALATED,
                run,
                f"nobody acknowledged; running the policy again (round {run.round + 1} of "
                f"{policy.repeat + 1})",
                now,
            )
            continue
        _finish(session, config, incident, run, now)
        return


def _defer(
    session: Session,
    incident: Incident,
    run: Escalation,
    team: Team,
    response: ResponseWindow,
    now: datetime,
) -> None:
    opening = next_opening(team, response, now)
    already = run.state is EscalationState.DEFERRED and run.next_at == opening
    run.state = EscalationState.DEFERRED
    schedule_step(session, run, opening, now)
    if already:
        return
    _record(
        session,
        incident,
        TimelineKind.PAGE_DEFERRED,
        run,
        f"page deferred to {describe_local(team, opening)} "
        f"({incident.severity} is handled {RESPONSE_WORDS[response]})",
        now,
        until=opening.isoformat(),
        response=response.value,
    )


def step_now(
    session: Session,
    config: Config,
    incident: Incident,
    run: Escalation,
    now: datetime,
    *,
    waited: str | None = None,
) -> None:
    """Run the run's current step now: deferred outside the response window, else paged (and
    what follows at once, until a wait). The caller holds the incident and checked that the
    run still pages."""
    severity = config.severity(incident.severity)
    team = config.team(incident.team)
    assert severity is not None  # still_pages checked it
    if team is not None and not team.responds_at(severity.response, now):
        _defer(session, incident, run, team, severity.response, now)
        return
    run.updated_at = now
    if run.state is EscalationState.DEFERRED:
        run.state = EscalationState.ACTIVE
        _record(
            session,
            incident,
            TimelineKind.ESCALATED,
            run,
            f"the response window of {incident.team} for {incident.severity} is open; paging now",
            now,
        )
    elif waited:
        _record(
            session,
            incident,
            TimelineKind.ESCALATED,
            run,
            f"no acknowledgement within {waited}; escalating to {where(run, run.step)}",
            now,
        )
    advance(session, config, incident, run, now)


def _locked_run(
    session: Session, payload: StepPayload | AckTimeoutPayload
) -> tuple[Escalation, Incident] | None:
    """A job's run and its incident, the incident locked and the run read again after it."""
    run = session.get(Escalation, payload["escalation_id"])
    if run is None:
        return None
    incident = lock_incident(session, run.incident_id)
    if incident is None:
        return None
    session.refresh(run)
    return run, incident


def escalation_step(session: Session, config: Config, payload: StepPayload, now: datetime) -> None:
    """Job: the run's next step is due."""
    locked = _locked_run(session, payload)
    if locked is None:
        return
    run, incident = locked
    position = (run.token, run.step, run.round)
    if position != (payload["token"], payload["step"], payload["round"]):
        log.info("escalation_step_stale", escalation_id=run.id, incident=incident.ref)
        return
    if not still_pages(session, config, incident, run):
        log.info("escalation_step_not_needed", escalation_id=run.id, incident=incident.ref)
        return
    step_now(session, config, incident, run, now, waited=payload.get("waited"))


def last_touched(session: Session, incident: Incident, since: datetime) -> datetime:
    """The latest moment a person changed the incident (a timeline entry with an actor),
    or ``since`` when nobody did after it."""
    stmt = select(func.max(TimelineEntry.at)).where(
        TimelineEntry.incident_id == incident.id,
        TimelineEntry.actor_id.is_not(None),
        TimelineEntry.at > since,
    )
    latest = session.scalar(stmt)
    return since if latest is None else max(since, latest)


class AckTimeoutPayload(TypedDict):
    """Job ``escalation_ack_timeout``: the run acknowledged at ``acknowledged_at`` (ISO 8601)
    may time out, if its token is still ``token``."""

    escalation_id: int
    token: str
    acknowledged_at: str


def schedule_ack_timeout(
    session: Session, run: Escalation, acknowledged_at: datetime, due: datetime, now: datetime
) -> None:
    schedule(
        session,
        ACK_TIMEOUT_JOB,
        due,
        now,
        AckTimeoutPayload(
            escalation_id=run.id, token=run.token, acknowledged_at=acknowledged_at.isoformat()
        ),
        key=f"ack_timeout:{run.id}:{run.token}:{due:%Y%m%dT%H%M%S.%f}",
    )


def ack_timeout(
    session: Session, config: Config, payload: AckTimeoutPayload, now: datetime
) -> None:
    """Job: an acknowledged incident untouched for the policy's ``ack_timeout`` escalates
    again from step 0; touched since, the timer restarts from the last touch."""
    locked = _locked_run(session, payload)
    if locked is None:
        return
    run, incident = locked
    policy = policy_of(run)
    if (
        run.token != payload["token"]
        or run.state is not EscalationState.ACKNOWLEDGED
        or incident.status is not IncidentStatus.ACKNOWLEDGED
        or policy.ack_timeout is None
    ):
        return
    acknowledged_at = datetime.fromisoformat(payload["acknowledged_at"])
    touched = last_touched(session, incident, acknowledged_at)
    if now < touched + policy.ack_timeout:
        schedule_ack_timeout(session, run, acknowledged_at, touched + policy.ack_timeout, now)
        return
    run.token = new_token()
    run.updated_at = now
    untouched = format_duration(policy.ack_timeout)
    timeline.record(
        session,
        incident,
        TimelineKind.ESCALATED,
        None,
        f"acknowledgement timed out after {untouched}; escalating again",
        now,
        after={"reason": "ack_timeout", "escalation_id": run.id, "untouched_for": untouched},
    )
    start_run(
        session,
        incident,
        policy,
        now,
        reason=f"acknowledgement timed out after {untouched}",
        policy_slug=run.policy,
    )
