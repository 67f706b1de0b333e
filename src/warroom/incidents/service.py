"""Declaring, finding, listing and editing incidents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.db.base import table_of
from warroom.incidents import cadence, timeline
from warroom.incidents.commands import MAX_TITLE, DeclareIncident, IncidentChanges
from warroom.incidents.enums import IncidentStatus, TimelineKind, TimestampField
from warroom.incidents.lifecycle import order_violation
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Counter, Incident, IncidentService, Participant
from warroom.problems import InvalidInput, NotFound

INCIDENT_COUNTER = "incident"
MAX_NUMBER = 2**31 - 1  # the number column is a 32-bit INTEGER
REF_PATTERN = re.compile(r"^(?:INC-)?(\d+)$", re.IGNORECASE)
IMPACT_FIELDS = (
    "affected_users",
    "affected_customers",
    "affected_features",
    "affected_regions",
    "revenue_impact",
)


def allocate_number(session: Session) -> int:
    """Next human number; the UPDATE row-locks the counter so numbers never repeat."""
    table = table_of(Counter)
    stmt = (
        update(table)
        .where(table.c.name == INCIDENT_COUNTER)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    )
    # On the connection: a plain UPDATE, without the ORM's flush and session bookkeeping.
    value = session.connection().execute(stmt).scalar_one_or_none()
    if value is None:
        session.add(Counter(name=INCIDENT_COUNTER, value=1))
        session.flush()
        return 1
    return int(value)


def check_team(config: Config, team: str, field: str = "team") -> None:
    if config.team(team) is None:
        known = ", ".join(t.slug for t in config.teams) or "none configured"
        raise InvalidInput(f"unknown team '{team}' (known: {known})", field=field)


def check_services(config: Config, services: list[str]) -> list[str]:
    for index, slug in enumerate(services):
        if config.service(slug) is None:
            raise InvalidInput(f"unknown service '{slug}'", field=f"services[{index}]")
    return sorted(set(services))


def check_title(title: str) -> str:
    stripped = title.strip()
    if not stripped:
        raise InvalidInput("title must not be empty", field="title")
    if len(stripped) > MAX_TITLE:
        raise InvalidInput(f"title must be at most {MAX_TITLE} characters", field="title")
    return stripped


def check_severity(config: Config, severity: str, field: str = "severity") -> str:
    if config.severity(severity) is None:
        known = ", ".join(config.severity_keys())
        raise InvalidInput(f"unknown severity '{severity}' (known: {known})", field=field)
    return severity


DRILL_PREFIX = "DRILL: "


def drill_title(title: str) -> str:
    """A drill incident's title starts with DRILL (kept within the title's length)."""
    if title.startswith(DRILL_PREFIX):
        return title
    return (DRILL_PREFIX + title)[:MAX_TITLE]


def declare(
    session: Session, config: Config, actor: User | None, data: DeclareIncident, now: datetime
) -> Incident:
    title = check_title(data.title)
    if data.drill:
        title = drill_title(title)
    check_team(config, data.team)
    services = check_services(config, list(data.services))
    wanted = config.incident_defaults.severity if data.severity is None else data.severity
    severity = check_severity(config, wanted)
    detected_at = data.detected_at or now
    impact_started_at = data.impact_started_at or detected_at
    if detected_at > now:
        raise InvalidInput("detected_at must not be in the future", field="detected_at")
    violation = order_violation(
        {
            TimestampField.IMPACT_STARTED_AT: impact_started_at,
            TimestampField.DETECTED_AT: detected_at,
        }
    )
    if violation is not None:
        raise InvalidInput(violation[1], field=TimestampField.IMPACT_STARTED_AT.value)
    incident = Incident(
        number=allocate_number(session),
        title=title,
        summary=data.summary,
        severity=severity,
        status=IncidentStatus.TRIGGERED,
        team=data.team,
        impact_started_at=impact_started_at,
        detected_at=detected_at,
        declared_at=now,
        updated_at=now,
        affected_users=data.affected_users,
        affected_customers=data.affected_customers,
        affected_features=list(data.affected_features or []),
        affected_regions=list(data.affected_regions or []),
        revenue_impact=bool(data.revenue_impact),
        detection_source=data.detection_source,
        drill=data.drill,
        declared_by_id=actor.id if actor else None,
        declared_by=actor,
        services=[IncidentService(service=s) for s in services],
        participants=[Participant(user_id=actor.id, user=actor, joined_at=now)] if actor else [],
    )
    cadence.refresh(incident, config)
    session.add(incident)
    session.flush()
    timeline.record(
        session,
        incident,
        TimelineKind.DECLARED,
        actor,
        f"{timeline.actor_name(actor)} declared {incident.ref} at {severity}: {incident.title}",
        now,
        after={"severity": severity, "team": data.team, "services": services},
    )
    return incident


def get(session: Session, ref: str | int) -> Incident:
    match = REF_PATTERN.match(str(ref).strip())
    if match is None:
        raise NotFound(f"'{ref}' is not an incident reference (like INC-12 or 12)", field="ref")
    number = int(match.group(1))
    incident = None
    if number <= MAX_NUMBER:
        incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        raise NotFound(f"INC-{number} does not exist", field="ref")
    return incident


def lock(session: Session, ref: str | int) -> Incident:
    """Load the incident for a change, row-locked on PostgreSQL (SQLite locks the file)."""
    locked = lock_incident(session, get(session, ref).id)
    if locked is None:  # deleted between the two reads
        raise NotFound(f"{ref} does not exist", field="ref")
    return locked


@dataclass(frozen=True)
class IncidentFilter:
    statuses: tuple[IncidentStatus, ...] = ()
    severities: tuple[str, ...] = ()
    team: str | None = None
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(
    session: Session, flt: IncidentFilter, *, limit: int, offset: int
) -> tuple[list[Incident], int]:
    stmt = select(Incident)
    if flt.statuses:
        stmt = stmt.where(Incident.status.in_(flt.statuses))
    if flt.severities:
        stmt = stmt.where(Incident.severity.in_(flt.severities))
    if flt.team:
        stmt = stmt.where(Incident.team == flt.team)
    if flt.service:
        stmt = stmt.where(
            Incident.id.in_(
                select(IncidentService.incident_id).where(IncidentService.service == flt.service)
            )
        )
    if flt.since:
        stmt = stmt.where(Incident.detected_at >= flt.since)
    if flt.until:
        stmt = stmt.where(Incident.detected_at < flt.until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Incident.number.desc()).limit(limit).offset(offset))
    return list(rows), int(total)


NULL_MEANS = {
    "summary": "",
    "affected_features": [],
    "affected_regions": [],
    "revenue_impact": False,
}


def _normalised_changes(config: Config, data: IncidentChanges) -> dict[str, Any]:
    """The fields the caller sent, checked against the config, with null made explicit."""
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if value is None and key in ("title", "team", "services"):
            raise InvalidInput(f"{key} cannot be null", field=key)
        changes[key] = NULL_MEANS.get(key, value) if value is None else value
    team = data.get("team")
    if team is not None:
        check_team(config, team)
    services = data.get("services")
    if services is not None:
        changes["services"] = check_services(config, services)
    return changes


def patch(
    session: Session,
    config: Config,
    actor: User,
    incident: Incident,
    data: IncidentChanges,
    now: datetime,
) -> Incident:
    changes = _normalised_changes(config, data)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for key, value in changes.items():
        old = incident.service_slugs if key == "services" else getattr(incident, key)
        if old == value:
            continue
        before[key], after[key] = old, value
        if key == "services":
            incident.services = [IncidentService(service=s) for s in value]
        else:
            setattr(incident, key, value)
    if after:
        names = ", ".join(after)
        timeline.record(
            session,
            incident,
            TimelineKind.FIELD_CHANGED,
            actor,
            f"{actor.username} changed {names}",
            now,
            before=before,
            after=after,
        )
    return incident
