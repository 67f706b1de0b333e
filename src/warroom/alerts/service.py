"""Reading alerts, and managing silences and maintenance windows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import Integer, column, func, or_, select, table
from sqlalchemy.orm import Session

from warroom.alerts.models import (
    Alert,
    AlertDecision,
    AlertEvent,
    AlertStatus,
    Silence,
    SilenceKind,
)
from warroom.alerts.state import AlertRow
from warroom.config import Config, parse_duration
from warroom.jobs.queue import schedule
from warroom.problems import Conflict, InvalidInput, NotFound

MUTE_RECHECK_JOB = "mute_recheck"


class MuteRecheckPayload(TypedDict):
    """Job ``mute_recheck``: silence ``silence`` ended (or was expired); the alerts it muted
    get their turn through the rules."""

    silence: int


MAX_SILENCE = timedelta(days=365)


INCIDENTS = table("incidents", column("id", Integer), column("number", Integer))
"""The incidents table by name, read-only, as ``Alert.incident_id``'s foreign key names it:
the alert list shows (and filters by) its incident's number without importing the incidents
package, which sits above alerts."""


@dataclass(frozen=True)
class AlertFilter:
    statuses: tuple[AlertStatus, ...] = ()
    team: str | None = None
    service: str | None = None
    integration: str | None = None
    decision: AlertDecision | None = None
    incident: int | None = None
    text: str | None = None
    """Text in the title or description (case-insensitive)."""


def search(
    session: Session, flt: AlertFilter, *, limit: int, offset: int
) -> tuple[list[Alert], int]:
    stmt = select(Alert)
    if flt.statuses:
        stmt = stmt.where(Alert.status.in_(flt.statuses))
    if flt.team:
        stmt = stmt.where(Alert.team == flt.team)
    if flt.service:
        stmt = stmt.where(Alert.service == flt.service)
    if flt.integration:
        stmt = stmt.where(Alert.integration == flt.integration)
    if flt.decision:
        stmt = stmt.where(Alert.decision == flt.decision)
    if flt.text:
        stmt = stmt.where(
            or_(
                Alert.title.icontains(flt.text, autoescape=True),
                Alert.description.icontains(flt.text, autoescape=True),
            )
        )
    if flt.incident is not None:
        stmt = stmt.join(INCIDENTS, INCIDENTS.c.id == Alert.incident_id).where(
            INCIDENTS.c.number == flt.incident
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Alert.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total)


def is_open(session: Session, integration: str, identity: str) -> bool:
    """Whether an alert of this identity is open (PagerDuty intake asks, to answer a resolve
    for an alert it never saw the way PagerDuty does)."""
    open_alert = session.scalar(
        select(Alert.id)
        .where(
            Alert.integration == integration,
            Alert.identity == identity,
            Alert.status != AlertStatus.RESOLVED,
        )
        .limit(1)
    )
    return open_alert is not None


def get(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} does not exist", field="alert_id")
    return alert


def events(session: Session, alert: Alert) -> list[AlertEvent]:
    stmt = select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
    return list(session.scalars(stmt))


def incident_refs(session: Session, alerts: Sequence[Alert | AlertRow]) -> dict[int, str]:
    ids = {a.incident_id for a in alerts if a.incident_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(INCIDENTS.c.id, INCIDENTS.c.number).where(INCIDENTS.c.id.in_(ids))
    )
    return {row.id: f"INC-{row.number}" for row in rows}


def window(
    now: datetime, starts_at: datetime | None, ends_at: datetime | None, duration: str | None
) -> tuple[datetime, datetime]:
    start = starts_at or now
    if ends_at is not None and duration is not None:
        raise InvalidInput("give ends_at or duration, not both", field="duration")
    if duration is not None:
        try:
            end = start + parse_duration(duration)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="duration") from None
    elif ends_at is not None:
        end = ends_at
    else:
        raise InvalidInput("ends_at or duration is required", field="ends_at")
    if end <= start:
        raise InvalidInput("ends_at must be after starts_at", field="ends_at")
    if end - start > MAX_SILENCE:
        raise InvalidInput("a silence may last at most 365 days", field="ends_at")
    if end <= now:
        raise InvalidInput("ends_at is in the past", field="ends_at")
    return start, end


def create_silence(
    session: Session,
    kind: SilenceKind,
    matchers: list[str],
    start: datetime,
    end: datetime,
    comment: str,
    author: str,
    now: datetime,
    service: str | None = None,
) -> Silence:
    silence = Silence(
        kind=kind,
        matchers=matchers,
        service=service,
        starts_at=start,
        ends_at=end,
        comment=comment,
        created_by=author,
        created_at=now,
    )
    session.add(silence)
    session.flush()
    # When it ends, the alerts it muted get their turn through the rules.
    schedule(
        session,
        MUTE_RECHECK_JOB,
        end,
        now,
        MuteRecheckPayload(silence=silence.id),
        key=f"{MUTE_RECHECK_JOB}:{silence.id}:end",
    )
    return silence


def check_service(config: Config, slug: str) -> None:
    if config.service(slug) is None:
        raise InvalidInput(f"unknown service '{slug}'", field="service")


def list_silences(
    session: Session, now: datetime, *, include_expired: bool, kind: SilenceKind | None = None
) -> list[Silence]:
    stmt = select(Silence)
    if kind is not None:
        stmt = stmt.where(Silence.kind == kind)
    if not include_expired:
        stmt = stmt.where(Silence.ends_at > now, Silence.expired_at.is_(None))
    return list(session.scalars(stmt.order_by(Silence.starts_at, Silence.id)))


def expire(
    session: Session, silence_id: int, now: datetime, kind: SilenceKind | None = None
) -> Silence:
    silence = session.get(Silence, silence_id)
    if silence is None or (kind is not None and silence.kind is not kind):
        what = kind.value if kind is not None else "silence"
        raise NotFound(f"{what} {silence_id} does not exist", field="silence_id")
    if silence.expired_at is not None or silence.ends_at <= now:
        raise Conflict(f"silence {silence_id} has already ended", field="silence_id")
    silence.expired_at = now
    schedule(
        session,
        MUTE_RECHECK_JOB,
        now,
        now,
        MuteRecheckPayload(silence=silence.id),
        key=f"{MUTE_RECHECK_JOB}:{silence.id}:expired",
    )
    return silence


def is_active(silence: Silence, now: datetime) -> bool:
    return silence.expired_at is None and silence.starts_at <= now < silence.ends_at
