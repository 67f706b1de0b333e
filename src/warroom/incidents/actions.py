"""Changing an incident's status, severity and timestamps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents import cadence, close_gate, timeline
from warroom.incidents.enums import IncidentAction, TimelineKind, TimestampField
from warroom.incidents.lifecycle import (
    ORDERED_STATUSES,
    ORDERED_TIMESTAMPS,
    REACHED_AT_STATUS,
    REOPEN_CLEARS,
    TRANSITIONS,
    order_violation,
    refusal,
)
from warroom.incidents.models import Incident
from warroom.incidents.service import check_severity
from warroom.incidents.timeline import stamp
from warroom.problems import Conflict, InvalidInput

PAST_TENSE = {
    IncidentAction.ACKNOWLEDGE: "acknowledged",
    IncidentAction.MITIGATE: "mitigated",
    IncidentAction.RESOLVE: "resolved",
    IncidentAction.CLOSE: "closed",
    IncidentAction.REOPEN: "reopened",
}


def timestamps(incident: Incident) -> dict[TimestampField, datetime | None]:
    return {name: getattr(incident, name.value) for name in ORDERED_TIMESTAMPS}


def apply_action(
    session: Session,
    config: Config,
    actor: User | None,
    incident: Incident,
    action: IncidentAction,
    now: datetime,
    reason: str | None = None,
    override: str | None = None,
) -> Incident:
    """``override`` (closing only): an admin's reason to close although the close gate (a
    required postmortem not yet published) refuses; the caller checks the permission."""
    why_not = refusal(action, incident.status)
    if why_not is not None:
        raise Conflict(f"{incident.ref}: {why_not}", code="transition_not_allowed", field="action")
    if action is IncidentAction.CLOSE:
        close_gate.gate().check(session, config, incident, actor, override, now)
    transition = TRANSITIONS[action]
    before: dict[str, object] = {"status": incident.status.value}
    after: dict[str, object] = {"status": transition.target.value}
    for name in transition.sets:
        if actor is None and name is TimestampField.ACKNOWLEDGED_AT:
            continue  # warroom mitigating or resolving on its own is nobody acknowledging
        if getattr(incident, name.value) is None:
            before[name.value] = None
            after[name.value] = now.isoformat()
            setattr(incident, name.value, now)
    if action is IncidentAction.REOPEN:
        for name in REOPEN_CLEARS:
            before[name.value] = stamp(getattr(incident, name.value))
            after[name.value] = None
            setattr(incident, name.value, None)
    violation = order_violation(timestamps(incident))
    if violation is not None:
        # A person corrected an earlier timestamp into the future of "now".
        raise Conflict(f"{incident.ref}: {violation[1]}", field=violation[0].value)
    incident.status = transition.target
    cadence.refresh(incident, config)
    text = f"{timeline.actor_name(actor)} {PAST_TENSE[action]} {incident.ref}"
    if reason:
        text += f": {reason}"
    kind = TimelineKind.REOPENED if action is IncidentAction.REOPEN else TimelineKind.STATUS_CHANGED
    timeline.record(session, incident, kind, actor, text, now, before=before, after=after)
    return incident


def change_severity(
    session: Session,
    config: Config,
    actor: User,
    incident: Incident,
    severity: str,
    now: datetime,
    reason: str | None = None,
) -> Incident:
    check_severity(config, severity)
    if severity == incident.severity:
        raise Conflict(f"{incident.ref} is already {severity}", code="unchanged", field="severity")
    old = incident.severity
    raised = config.severity_rank(severity) < config.severity_rank(old)
    direction = "raised" if raised else "lowered"
    incident.severity = severity
    cadence.refresh(incident, config)
    text = f"{actor.username} {direction} severity from {old} to {severity}"
    if reason:
        text += f": {reason}"
    timeline.record(
        session,
        incident,
        TimelineKind.SEVERITY_CHANGED,
        actor,
        text,
        now,
        before={"severity": old},
        after={"severity": severity},
    )
    return incident


def correct_timestamp(
    session: Session,
    actor: User,
    incident: Incident,
    field: TimestampField,
    value: datetime,
    reason: str,
    now: datetime,
) -> Incident:
    reached = REACHED_AT_STATUS[field]
    if ORDERED_STATUSES.index(incident.status) < ORDERED_STATUSES.index(reached):
        raise InvalidInput(
            f"{field.value} cannot be set while {incident.ref} is {incident.status.value}",
            field="field",
        )
    if getattr(incident, field.value) is None:
        raise InvalidInput(f"{incident.ref} has no {field.value} to correct", field="field")
    if value > now:
        raise InvalidInput(f"{field.value} must not be in the future", field="value")
    proposed = timestamps(incident)
    proposed[field] = value
    violation = order_violation(proposed)
    if violation is not None:
        raise InvalidInput(violation[1], field="value")
    old = getattr(incident, field.value)
    setattr(incident, field.value, value)
    timeline.record(
        session,
        incident,
        TimelineKind.TIMESTAMP_CORRECTED,
        actor,
        f"{actor.username} corrected {field.value} from {old.isoformat()} to "
        f"{value.isoformat()}: {reason}",
        now,
        before={field.value: stamp(old)},
        after={field.value: stamp(value), "reason": reason},
    )
    return incident
