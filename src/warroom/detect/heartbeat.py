"""Missed heartbeats: the check at each heartbeat's deadline, and the worker stage that
makes sure every configured heartbeat is watched.

A beat (``warroom.ingest.heartbeat``) moves the deadline and schedules a durable
``heartbeat_check`` job at it. The check, if no beat moved the deadline meanwhile, marks the
heartbeat down and writes a trigger signal; the next good beat writes the resolve. Both are
ordinary signals (identity ``heartbeat``), so dedup, routing, rules and incidents treat a
missed heartbeat like any other alert. A worker stage gives every configured heartbeat a
row and a first deadline, so a job that never reports at all is detected too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warroom.clock import as_utc
from warroom.config import Config, HeartbeatSpec, Integration, LiveConfig, format_duration
from warroom.ingest.heartbeat import (
    CHECK_JOB,
    CheckPayload,
    beat_details,
    check_key,
    deadline_after,
    describe_schedule,
    heartbeat_signal,
    heartbeat_spec,
    insert_row,
    lock_row,
    schedule_check,
    waiting_row,
    when,
)
from warroom.ingest.models import Heartbeat, HeartbeatState, SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.models import Job, JobStatus

__all__ = ["CHECK_JOB", "HeartbeatReconciler", "heartbeat_check", "reconcile"]

RECONCILE_EVERY = timedelta(seconds=30)


def missed_signal(
    integration: Integration, spec: HeartbeatSpec, row: Heartbeat, now: datetime
) -> SignalIn:
    zone = spec.zone
    description = (
        f"{integration.display_name} ({describe_schedule(spec)}) was expected to beat at "
        f"{when(row.expected_at, zone)}; nothing arrived by {when(row.deadline_at, zone)} "
        f"(grace {format_duration(spec.grace)}). Last beat: {when(row.last_beat_at, zone)}."
    )
    return heartbeat_signal(
        integration,
        spec,
        SignalAction.TRIGGER,
        integration.heartbeat_title,
        description,
        beat_details(spec, row),
        starts_at=row.expected_at or now,
    )


# --- the check at a deadline ------------------------------------------------------------


def heartbeat_check(session: Session, config: Config, payload: CheckPayload, now: datetime) -> None:
    """Job ``heartbeat_check``: the deadline in ``payload`` passed; if no beat moved it,
    the heartbeat is down. A stale run (a beat came, the deadline moved) does nothing."""
    slug = payload["integration"]
    deadline = as_utc(datetime.fromisoformat(payload["deadline"]))
    integration = config.integration(slug)
    spec = heartbeat_spec(integration) if integration is not None else None
    if integration is None or spec is None:
        return  # no longer configured: keep the row, raise nothing
    row = lock_row(session, slug)
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
    persist(session, slug, SourceKind.HEARTBEAT, [missed_signal(integration, spec, row, now)], now)


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
            fresh = waiting_row(slug, spec, now)
            if insert_row(session, fresh):
                assert fresh.deadline_at is not None
                schedule_check(session, slug, fresh.deadline_at, now)
                changed += 1
        elif _unwatched(session, row, now):
            locked = lock_row(session, slug)
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
