"""Missed and timed-out runs of cron monitors: the ``monitor_check`` job at each deadline.

The heartbeat check (``warroom.detect.heartbeat``) watches configured integrations; this one
watches the monitors check-ins created in the database, with the same schedule arithmetic and
the same kind of signals (see ``warroom.errors.monitors``). A check-in that moved the
deadline makes the job stale; a stale run does nothing. No reconciler is needed: a monitor
exists only once a check-in created it, and that check-in armed its deadline in the same
transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors import monitors
from warroom.errors.health_models import CheckInStatus, Monitor, MonitorCheckIn
from warroom.errors.monitor_config import next_deadline

__all__ = ["CHECK_JOB", "monitor_check"]

CHECK_JOB = monitors.CHECK_JOB


def _missed(
    session: Session, project: Project, monitor: Monitor, deadline: datetime, now: datetime
) -> None:
    if monitor.deadline_at is None or as_utc(monitor.deadline_at) != deadline:
        return  # a check-in moved the deadline
    expected = as_utc(monitor.expected_at or deadline)
    session.add(
        MonitorCheckIn(
            monitor_id=monitor.id,
            status=CheckInStatus.MISSED,
            environment=monitor.environment,
            received_at=expected,
        )
    )
    detail = (
        f"a check-in was expected at {expected.isoformat()} and none came by "
        f"{deadline.isoformat()} (margin {monitor.checkin_margin} min)"
    )
    monitors.failed(session, project, monitor, "missed a check-in", detail, expected, now)
    _, following = next_deadline(monitor, expected)
    # After a long outage, watch from now rather than report every run missed meanwhile.
    monitors.watch_next(session, monitor, expected if following > now else now, now)


def _timed_out(
    session: Session, project: Project, monitor: Monitor, check_in: int | None, now: datetime
) -> None:
    run = None if check_in is None else session.get(MonitorCheckIn, check_in, with_for_update=True)
    if run is None or run.status is not CheckInStatus.IN_PROGRESS:
        return  # closed in time
    run.status = CheckInStatus.TIMEOUT
    started = as_utc(run.received_at)
    detail = (
        f"run {run.check_in_id or run.id} started at {started.isoformat()} was still in "
        f"progress after {monitor.max_runtime} min (max_runtime)"
    )
    monitors.failed(session, project, monitor, "timed out", detail, started, now)


def monitor_check(
    session: Session, config: Config, payload: monitors.MonitorCheckPayload, now: datetime
) -> None:
    """Job ``monitor_check``: a missed-run or timeout deadline of a monitor passed."""
    monitor = monitors.lock(session, payload["monitor"])
    if monitor is None:
        return
    project = config.project_by_id(monitor.project_id)
    if project is None:
        return  # the project is no longer configured: raise nothing
    if payload["kind"] == monitors.TIMEOUT:
        _timed_out(session, project, monitor, payload["check_in"], now)
        return
    deadline = as_utc(datetime.fromisoformat(payload["deadline"]))
    _missed(session, project, monitor, deadline, now)
