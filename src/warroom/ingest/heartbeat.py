"""Heartbeat intake: when each heartbeat integration expects its next ping, and what a
ping (a good one, or one reporting a failure) does.

A beat moves the deadline (next expected time + grace) and schedules a durable
``heartbeat_check`` job at it; a failed beat, or a good one after the heartbeat was down,
writes an ordinary signal (identity ``heartbeat``). The check at the deadline, which finds
a missed heartbeat, is detection's business (``warroom.detect.heartbeat``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from cronsim import CronSim
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import (
    HeartbeatSpec,
    Integration,
    IntegrationKind,
    format_duration,
)
from warroom.ingest.models import Heartbeat, HeartbeatState, SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.queue import schedule

CHECK_JOB = "heartbeat_check"
IDENTITY = "heartbeat"
LABEL = "heartbeat"
FAILURE_LOG_LIMIT = 10 * 1024
CRON_LOOKAHEAD = 16
"""cronsim may yield a time or two at/before its start around a DST fall-back; skip those."""


class ScheduleError(ValueError):
    """A heartbeat whose schedule yields no next time (should not pass config validation)."""


# --- schedule arithmetic ----------------------------------------------------------------


def next_expected(spec: HeartbeatSpec, after: datetime) -> datetime:
    """The first time strictly after ``after`` at which a beat is expected, in UTC.

    Cron schedules are read in the spec's time zone: a time skipped by a spring-forward
    change runs when the clocks resume (``30 2 * * *`` → 03:00 local), and a time repeated
    by a fall-back change runs once, at its first occurrence.
    """
    moment = as_utc(after)
    if spec.interval is not None:
        return moment + spec.interval
    if spec.cron is None:
        raise ScheduleError("a heartbeat needs an interval or a cron schedule")
    for count, local in enumerate(CronSim(spec.cron, moment.astimezone(spec.zone))):
        candidate = local.astimezone(UTC)
        if candidate > moment:
            return candidate
        if count >= CRON_LOOKAHEAD:
            break
    raise ScheduleError(f"cron schedule {spec.cron!r} has no time after {moment.isoformat()}")


def expected_after(spec: HeartbeatSpec, moment: datetime) -> datetime:
    """When the next beat is due after a beat (or the start of watching) at ``moment``.

    Interval: ``moment + interval``. Cron: the next scheduled time, except that a beat
    shortly before a scheduled time counts for it (clock skew between hosts, a job that
    starts a moment early): up to ``grace`` early, at most half the gap between the two
    following runs. Without that, a job pinging at 02:59:59.9 by warroom's clock for its
    03:00 run would be declared missing every night.
    """
    first = next_expected(spec, moment)
    if spec.interval is not None:
        return first
    second = next_expected(spec, first)
    early = min(spec.grace, (second - first) / 2)
    return second if first - as_utc(moment) <= early else first


def deadline_after(spec: HeartbeatSpec, moment: datetime) -> tuple[datetime, datetime]:
    """(next expected time, deadline = expected + grace) after a beat at ``moment``."""
    expected = expected_after(spec, moment)
    return expected, expected + spec.grace


def describe_schedule(spec: HeartbeatSpec) -> str:
    if spec.interval is not None:
        return f"every {format_duration(spec.interval)}"
    return f"cron '{spec.cron}' ({spec.timezone})"


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    utc = as_utc(moment)
    text = f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    if zone.key == "UTC":
        return text
    return f"{utc.astimezone(zone):%Y-%m-%d %H:%M:%S %Z} ({text})"


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


# --- rows and jobs ----------------------------------------------------------------------


def heartbeat_spec(integration: Integration) -> HeartbeatSpec | None:
    if integration.kind is not IntegrationKind.HEARTBEAT:
        return None
    return integration.heartbeat


class CheckPayload(TypedDict):
    """Job ``heartbeat_check``: ``integration``'s deadline (ISO 8601) passed."""

    integration: str
    deadline: str


def check_key(integration: str, deadline: datetime) -> str:
    return f"{CHECK_JOB}:{integration}:{as_utc(deadline).isoformat()}"


def schedule_check(session: Session, integration: str, deadline: datetime, now: datetime) -> None:
    """The check at ``deadline``; scheduling the same deadline twice adds one job."""
    schedule(
        session,
        CHECK_JOB,
        deadline,
        now,
        CheckPayload(integration=integration, deadline=as_utc(deadline).isoformat()),
        key=check_key(integration, deadline),
    )


def lock_row(session: Session, slug: str) -> Heartbeat | None:
    return session.get(Heartbeat, slug, with_for_update=True, populate_existing=True)


def insert_row(session: Session, row: Heartbeat) -> bool:
    """Add ``row``; False if another transaction created it first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def waiting_row(slug: str, spec: HeartbeatSpec, now: datetime) -> Heartbeat:
    expected, deadline = deadline_after(spec, now)
    return Heartbeat(
        integration=slug,
        state=HeartbeatState.WAITING,
        last_beat_at=None,
        expected_at=expected,
        deadline_at=deadline,
        beats=0,
    )


# --- a beat -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BeatResult:
    state: HeartbeatState
    expected_at: datetime
    deadline_at: datetime
    signals: int


def record_beat(
    session: Session,
    integration: Integration,
    spec: HeartbeatSpec,
    now: datetime,
    *,
    failed: bool = False,
    log: bytes = b"",
) -> BeatResult:
    """Apply one ping (the caller commits): move the deadline, schedule its check, and write
    the resolve (heartbeat was down) or, for a reported failure, the trigger."""
    slug = integration.slug
    row = lock_row(session, slug)
    if row is None:
        fresh = waiting_row(slug, spec, now)
        row = fresh if insert_row(session, fresh) else lock_row(session, slug)
        assert row is not None
    was_down = row.state is HeartbeatState.DOWN
    row.last_beat_at = now
    row.beats += 1
    row.expected_at, row.deadline_at = deadline_after(spec, now)
    signals: list[SignalIn] = []
    if failed:
        row.state = HeartbeatState.DOWN
        signals.append(failure_signal(integration, spec, row, now, log))
    else:
        row.state = HeartbeatState.UP
        schedule_check(session, slug, row.deadline_at, now)
        if was_down:
            signals.append(resolve_signal(integration, spec, row, now))
    persist(session, slug, SourceKind.HEARTBEAT, signals, now)
    return BeatResult(row.state, row.expected_at, row.deadline_at, len(signals))


def beat_details(spec: HeartbeatSpec, row: Heartbeat) -> dict[str, Any]:
    return {
        "schedule": describe_schedule(spec),
        "grace": format_duration(spec.grace),
        "expected_at": stamp(row.expected_at),
        "deadline_at": stamp(row.deadline_at),
        "last_beat_at": stamp(row.last_beat_at),
        "beats": row.beats,
    }


def heartbeat_signal(
    integration: Integration,
    spec: HeartbeatSpec,
    action: SignalAction,
    title: str,
    description: str,
    details: dict[str, Any],
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> SignalIn:
    return SignalIn(
        action=action,
        identity=IDENTITY,
        title=title,
        description=description,
        severity=spec.severity,
        environment=integration.environment,
        labels={LABEL: integration.slug},
        details=details,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def failure_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime, log: bytes
) -> SignalIn:
    text = log[:FAILURE_LOG_LIMIT].decode("utf-8", errors="ignore").strip()
    truncated = " (first 10 KiB)" if len(log) > FAILURE_LOG_LIMIT else ""
    description = f"{integration.display_name} reported a failure at {when(now, spec.zone)}."
    if text:
        description += f"\n\nOutput{truncated}:\n{text}"
    details = {**beat_details(spec, row), "reported_failure_at": stamp(now)}
    return heartbeat_signal(
        integration,
        spec,
        SignalAction.TRIGGER,
        f"{integration.display_name} reported a failure",
        description,
        details,
        starts_at=now,
    )


def resolve_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime
) -> SignalIn:
    description = (
        f"{integration.display_name} beat again at {when(now, spec.zone)}; "
        f"next beat expected by {when(row.deadline_at, spec.zone)}."
    )
    return heartbeat_signal(
        integration,
        spec,
        SignalAction.RESOLVE,
        integration.heartbeat_title,
        description,
        beat_details(spec, row),
        ends_at=now,
    )
