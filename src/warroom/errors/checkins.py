"""``check_in`` items (the SDKs' ``@monitor``, ``sentry-cli monitors run``): each upserts its
monitor when it carries a ``monitor_config`` and records the run.

- ``in_progress`` opens a run (``check_in_id``) and arms its timeout (``max_runtime``);
- ``ok`` / ``error`` close the run of the same ``check_in_id`` (or are a run of their own):
  ``ok`` is a success, ``error`` a failure (see ``warroom.errors.monitors``);
- the first check-in of a run counts as the expected check-in: the next is expected on the
  schedule, and missing it by more than ``checkin_margin`` is a failure.

Check-ins are timed by when warroom received them (``sentry-cli`` sends no timestamp).
A check-in for an unknown monitor without ``monitor_config`` is invalid, as in Sentry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config.projects import Project
from warroom.errors import monitors
from warroom.errors.health_models import (
    ENVIRONMENT_LENGTH,
    ID_LENGTH,
    RELEASE_LENGTH,
    SLUG_LENGTH,
    CheckInStatus,
    Monitor,
    MonitorCheckIn,
    MonitorState,
)
from warroom.errors.items import ClaimedItem
from warroom.errors.monitor_config import MonitorSettings, parse_settings
from warroom.errors.payloads import BadItem, load_object, text
from warroom.ingest.sentry.models import ItemOutcome

SENT_STATUSES = (CheckInStatus.IN_PROGRESS, CheckInStatus.OK, CheckInStatus.ERROR)


@dataclass(frozen=True)
class CheckIn:
    slug: str
    check_in_id: str | None
    status: CheckInStatus
    duration: float | None
    environment: str | None
    release: str | None
    settings: MonitorSettings | None
    at: datetime


def _duration(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadItem("duration is not a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise BadItem("duration is not a non-negative number of seconds")
    return float(value)


def parse(item: ClaimedItem) -> CheckIn:
    body = load_object(item.payload, "check_in")
    slug = text(body.get("monitor_slug"), "monitor_slug", SLUG_LENGTH, required=True)
    assert slug is not None
    status = body.get("status")
    if status not in [s.value for s in SENT_STATUSES]:
        raise BadItem(f"status {str(status)[:20]!r} is not in_progress, ok or error")
    config = body.get("monitor_config")
    return CheckIn(
        slug=slug,
        check_in_id=text(body.get("check_in_id"), "check_in_id", ID_LENGTH),
        status=CheckInStatus(status),
        duration=_duration(body.get("duration")),
        environment=text(body.get("environment"), "environment", ENVIRONMENT_LENGTH),
        release=text(body.get("release"), "release", RELEASE_LENGTH),
        settings=None if config is None else parse_settings(config),
        at=as_utc(item.received_at),
    )


def _create(session: Session, project_id: int, check_in: CheckIn) -> Monitor:
    assert check_in.settings is not None
    monitor = Monitor(
        project_id=project_id,
        slug=check_in.slug,
        state=MonitorState.WAITING,
        failures=0,
        successes=0,
        created_at=check_in.at,
        updated_at=check_in.at,
    )
    check_in.settings.apply(monitor)
    try:
        with session.begin_nested():
            session.add(monitor)
    except IntegrityError:  # another worker created it first
        found = monitors.find(session, project_id, check_in.slug)
        assert found is not None
        return found
    return monitor


def upsert_monitor(session: Session, project_id: int, check_in: CheckIn) -> Monitor:
    """The check-in's monitor, created or updated from its ``monitor_config``."""
    monitor = monitors.find(session, project_id, check_in.slug)
    if monitor is None:
        if check_in.settings is None:
            raise BadItem(
                f"monitor {check_in.slug!r} is unknown and the check-in has no monitor_config"
            )
        return _create(session, project_id, check_in)
    if check_in.settings is not None:
        check_in.settings.apply(monitor)
        monitor.updated_at = check_in.at
    return monitor


def _run(session: Session, monitor: Monitor, check_in_id: str | None) -> MonitorCheckIn | None:
    if check_in_id is None:
        return None
    return session.scalar(
        select(MonitorCheckIn)
        .where(MonitorCheckIn.monitor_id == monitor.id, MonitorCheckIn.check_in_id == check_in_id)
        .order_by(MonitorCheckIn.id.desc())
        .limit(1)
    )


def _open(session: Session, monitor: Monitor, check_in: CheckIn, now: datetime) -> None:
    row = MonitorCheckIn(
        monitor_id=monitor.id,
        check_in_id=check_in.check_in_id,
        status=CheckInStatus.IN_PROGRESS,
        environment=check_in.environment,
        release=check_in.release,
        received_at=check_in.at,
        timeout_at=check_in.at + monitors.runtime(monitor),
    )
    session.add(row)
    session.flush()
    assert row.timeout_at is not None
    monitors.schedule_check(session, monitor, monitors.TIMEOUT, row.timeout_at, now, row.id)
    monitors.watch_next(session, monitor, check_in.at, now)


def apply(
    session: Session, project: Project, monitor: Monitor, check_in: CheckIn, now: datetime
) -> None:
    monitor.environment = check_in.environment or monitor.environment
    monitor.last_checkin_at = check_in.at
    session.flush()
    run = _run(session, monitor, check_in.check_in_id)
    if check_in.status is CheckInStatus.IN_PROGRESS:
        if run is None:
            _open(session, monitor, check_in, now)
        return
    if run is not None and run.status is not CheckInStatus.IN_PROGRESS:
        # Closed already, or timed out (already counted as a failure): note the end only.
        run.finished_at = run.finished_at or check_in.at
        run.duration = run.duration if run.duration is not None else check_in.duration
        return
    if run is None:
        run = MonitorCheckIn(
            monitor_id=monitor.id,
            check_in_id=check_in.check_in_id,
            status=check_in.status,
            environment=check_in.environment,
            release=check_in.release,
            received_at=check_in.at,
        )
        session.add(run)
        monitors.watch_next(session, monitor, check_in.at, now)
    run.status, run.finished_at, run.duration = check_in.status, check_in.at, check_in.duration
    if check_in.status is CheckInStatus.OK:
        monitors.succeeded(session, project, monitor, now)
        return
    detail = f"check-in {check_in.check_in_id or ''} at {check_in.at.isoformat()} reported an error"
    monitors.failed(session, project, monitor, "reported an error", detail, check_in.at, now)


def record(session: Session, project: Project, items: Sequence[ClaimedItem], now: datetime) -> None:
    """Apply the batch's check-ins in the order they arrived."""
    for item in items:
        try:
            check_in = parse(item)
            monitor = upsert_monitor(session, project.id, check_in)
        except BadItem as exc:
            item.decided(ItemOutcome.INVALID, f"check_in: {exc}")
            continue
        apply(session, project, monitor, check_in, now)
