"""Missed heartbeats: when each heartbeat integration expects its next ping, and what a
missing, failed or returning ping turns into.

A beat moves the deadline (next expected time + grace) and schedules a durable
``heartbeat_check`` job at it. The check, if no beat moved the deadline meanwhile, marks the
heartbeat down and writes a trigger signal; the next good beat writes the resolve. Both are
ordinary signals (identity ``heartbeat``), so dedup, routing, rules and incidents treat a
missed heartbeat like any other alert. A worker stage gives every configured heartbeat a
row and a first deadline, so a job that never reports at all is detected too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cronsim import CronSim
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from warroom.clock import as_utc
from warroom.config import (
    Config,
    HeartbeatSpec,
    Integration,
    IntegrationKind,
    LiveConfig,
    format_duration,
)
from warroom.detect.models import Heartbeat, HeartbeatState
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.models import Job, JobStatus
from warroom.jobs.queue import schedule

CHECK_JOB = "heartbeat_check"
IDENTITY = "heartbeat"
LABEL = "heartbeat"
FAILURE_LOG_LIMIT = 10 * 1024
RECONCILE_EVERY = timedelta(seconds=30)
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


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    utc = as_utc(moment)
    text = f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    if zone.key == "UTC":
        return text
    return f"{utc.astimezone(zone):%Y-%m-%d %H:%M:%S %Z} ({text})"


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


# --- rows and jobs ----------------------------------------------------------------------


def heartbeat_spec(integration: Integration) -> HeartbeatSpec | None:
    if integration.kind is not IntegrationKind.HEARTBEAT:
        return None
    return integration.heartbeat


def check_key(integration: str, deadline: datetime) -> str:
    return f"{CHECK_JOB}:{integration}:{as_utc(deadline).isoformat()}"


def schedule_check(session: Session, integration: str, deadline: datetime, now: datetime) -> None:
    """The check at ``deadline``; scheduling the same deadline twice adds one job."""
    schedule(
        session,
        CHECK_JOB,
        deadline,
        now,
        {"integration": integration, "deadline": as_utc(deadline).isoformat()},
        key=check_key(integration, deadline),
    )


def _lock(session: Session, slug: str) -> Heartbeat | None:
    return session.get(Heartbeat, slug, with_for_update=True, populate_existing=True)


def _insert(session: Session, row: Heartbeat) -> bool:
    """Add ``row``; False if another transaction created it first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _waiting_row(slug: str, spec: HeartbeatSpec, now: datetime) -> Heartbeat:
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
    row = _lock(session, slug)
    if row is None:
        fresh = _waiting_row(slug, spec, now)
        row = fresh if _insert(session, fresh) else _lock(session, slug)
        assert row is not None
    was_down = row.state is HeartbeatState.DOWN
    row.last_beat_at = now
    row.beats += 1
    row.expected_at, row.deadline_at = deadline_after(spec, now)
    signals: list[SignalIn] = []
    if failed:
        row.state = HeartbeatState.DOWN
        signals.append(_failure_signal(integration, spec, row, now, log))
    else:
        row.state = HeartbeatState.UP
        schedule_check(session, slug, row.deadline_at, now)
        if was_down:
            signals.append(_resolve_signal(integration, spec, row, now))
    persist(session, slug, SourceKind.HEARTBEAT, signals, now)
    return BeatResult(row.state, row.expected_at, row.deadline_at, len(signals))


def _details(spec: HeartbeatSpec, row: Heartbeat) -> dict[str, Any]:
    return {
        "schedule": describe_schedule(spec),
        "grace": format_duration(spec.grace),
        "expected_at": _stamp(row.expected_at),
        "deadline_at": _stamp(row.deadline_at),
        "last_beat_at": _stamp(row.last_beat_at),
        "beats": row.beats,
    }


def _signal(
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


def _failure_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime, log: bytes
) -> SignalIn:
    text = log[:FAILURE_LOG_LIMIT].decode("utf-8", errors="ignore").strip()
    truncated = " (first 10 KiB)" if len(log) > FAILURE_LOG_LIMIT else ""
    description = f"{integration.display_name} reported a failure at {_when(now, spec.zone)}."
    if text:
        description += f"\n\nOutput{truncated}:\n{text}"
    details = {**_details(spec, row), "reported_failure_at": _stamp(now)}
    return _signal(
        integration,
        spec,
        SignalAction.TRIGGER,
        f"{integration.display_name} reported a failure",
        description,
        details,
        starts_at=now,
    )


def _resolve_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime
) -> SignalIn:
    description = (
        f"{integration.display_name} beat again at {_when(now, spec.zone)}; "
        f"next beat expected by {_when(row.deadline_at, spec.zone)}."
    )
    return _signal(
        integration,
        spec,
        SignalAction.RESOLVE,
        integration.heartbeat_title,
        description,
        _details(spec, row),
        ends_at=now,
    )


def _missed_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime
) -> SignalIn:
    zone = spec.zone
    description = (
        f"{integration.display_name} ({describe_schedule(spec)}) was expected to beat at "
        f"{_when(row.expected_at, zone)}; nothing arrived by {_when(row.deadline_at, zone)} "
        f"(grace {format_duration(spec.grace)}). Last beat: {_when(row.last_beat_at, zone)}."
    )
    return _signal(
        integration,
        spec,
        SignalAction.TRIGGER,
        integration.heartbeat_title,
        description,
        _details(spec, row),
        starts_at=row.expected_at or now,
    )


# --- the check at a deadline ------------------------------------------------------------


def heartbeat_check(
    session: Session, config: Config, payload: dict[str, Any], now: datetime
) -> None:
    """Job ``heartbeat_check``: the deadline in ``payload`` passed; if no beat moved it,
    the heartbeat is down. A stale run (a beat came, the deadline moved) does nothing."""
    slug = str(payload["integration"])
    deadline = as_utc(datetime.fromisoformat(str(payload["deadline"])))
    integration = config.integration(slug)
    spec = heartbeat_spec(integration) if integration is not None else None
    if integration is None or spec is None:
        return  # no longer configured: keep the row, raise nothing
    row = _lock(session, slug)
    if row is None or row.state is HeartbeatState.DOWN or row.deadline_at is None:
        return
    if as_utc(row.deadline_at) != deadline:
        return
    if row.last_beat_at is not None:
        # The schedule may have changed since this deadline was set: follow the current one.
        expected, current = deadline_after(spec, row.last_beat_at)
        if current > now:
            row.expected_at, row.deadline_at = expected, current
            schedule_check(session, slug, current, now)
            return
    row.state = HeartbeatState.DOWN
    persist(session, slug, SourceKind.HEARTBEAT, [_missed_signal(integration, spec, row, now)], now)


# --- reconcile: every configured heartbeat is watched -----------------------------------


def reconcile(session: Session, config: Config, now: datetime) -> int:
    """Give each configured heartbeat without a row a ``waiting`` row and a first deadline
    (next expected time after ``now`` + grace); re-arm rows whose last check found the
    integration unconfigured. Rows of removed integrations stay. Returns rows changed."""
    specs = {
        integration.slug: spec
        for integration in config.integrations
        if (spec := heartbeat_spec(integration)) is not None
    }
    if not specs:
        return 0
    rows = {
        row.integration: row
        for row in session.scalars(select(Heartbeat).where(Heartbeat.integration.in_(specs)))
    }
    changed = 0
    for slug, spec in specs.items():
        row = rows.get(slug)
        if row is None:
            fresh = _waiting_row(slug, spec, now)
            if _insert(session, fresh):
                assert fresh.deadline_at is not None
                schedule_check(session, slug, fresh.deadline_at, now)
                changed += 1
        elif _unwatched(session, row, now):
            locked = _lock(session, slug)
            if locked is not None and _unwatched(session, locked, now):
                locked.expected_at, locked.deadline_at = deadline_after(spec, now)
                schedule_check(session, slug, locked.deadline_at, now)
                changed += 1
    return changed


def _unwatched(session: Session, row: Heartbeat, now: datetime) -> bool:
    """Past its deadline, not down, and no check pending: the check ran while the
    integration was not configured (or gave up), so nothing watches the row any more."""
    if row.state is HeartbeatState.DOWN or row.deadline_at is None or row.deadline_at > now:
        return False
    pending = session.scalar(
        select(Job.id).where(
            Job.key == check_key(row.integration, row.deadline_at),
            Job.status == JobStatus.PENDING,
        )
    )
    return pending is None


class HeartbeatReconciler:
    """Worker stage running :func:`reconcile` at most every ``every`` of the stage's clock,
    and at once after a configuration reload."""

    def __init__(self, every: timedelta = RECONCILE_EVERY) -> None:
        self.every = every
        self._last: datetime | None = None
        self._generation: int | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        generation = live_config.generation
        last = self._last
        if generation == self._generation and last is not None and last <= now < last + self.every:
            return 0
        with session_factory() as session:
            changed = reconcile(session, live_config.current, now)
            session.commit()
        self._last, self._generation = now, generation
        return changed
