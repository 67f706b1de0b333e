"""Cron monitors: failures and recoveries, the alerts they raise and the timers that watch
them.

A monitor fails on an ``error`` check-in, a run in progress longer than ``max_runtime``
(timeout) or an expected check-in that did not come by its deadline (missed). After
``failure_issue_threshold`` failures in a row it is *failing* and writes a trigger signal;
after ``recovery_threshold`` good check-ins in a row it writes the resolve. The signals are
ordinary ones, as heartbeats write (integration ``crons:<project>``, one alert identity per
monitor, owned by the project's team), so dedup, routing, rules, incidents and paging apply.
The deadlines are durable ``monitor_check`` jobs (``warroom.detect.cron_monitors`` runs them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config.defaults import DEFAULT_HEARTBEAT_SEVERITY
from warroom.config.projects import Project
from warroom.errors.health_models import Monitor, MonitorState
from warroom.errors.monitor_config import describe, next_deadline
from warroom.ingest.models import SignalAction, SourceKind
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.queue import schedule

CHECK_JOB = "monitor_check"
INTEGRATION_PREFIX = "crons:"
IDENTITY_PREFIX = "monitor:"
MISSED: Literal["missed"] = "missed"
TIMEOUT: Literal["timeout"] = "timeout"


class MonitorCheckPayload(TypedDict):
    """Job ``monitor_check``: a monitor's deadline passed. ``missed``: no check-in by the
    monitor's ``deadline``; ``timeout``: check-in row ``check_in`` still in progress."""

    monitor: int
    kind: Literal["missed", "timeout"]
    deadline: str
    check_in: int | None


def integration_of(project: Project) -> str:
    return f"{INTEGRATION_PREFIX}{project.slug}"


def lock(session: Session, monitor_id: int) -> Monitor | None:
    return session.get(Monitor, monitor_id, with_for_update=True, populate_existing=True)


def find(session: Session, project_id: int, slug: str) -> Monitor | None:
    query = select(Monitor).where(Monitor.project_id == project_id, Monitor.slug == slug)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


# --- timers -----------------------------------------------------------------------------


def _key(payload: MonitorCheckPayload) -> str:
    target = payload["check_in"] if payload["kind"] == TIMEOUT else payload["monitor"]
    return f"{CHECK_JOB}:{payload['kind']}:{target}:{payload['deadline']}"


def schedule_check(
    session: Session,
    monitor: Monitor,
    kind: Literal["missed", "timeout"],
    deadline: datetime,
    now: datetime,
    check_in: int | None = None,
) -> None:
    payload = MonitorCheckPayload(
        monitor=monitor.id, kind=kind, deadline=as_utc(deadline).isoformat(), check_in=check_in
    )
    schedule(session, CHECK_JOB, deadline, now, payload, key=_key(payload))


def watch_next(session: Session, monitor: Monitor, after: datetime, now: datetime) -> None:
    """A check-in (or a missed run) at ``after``: the next one is expected by the deadline."""
    monitor.expected_at, monitor.deadline_at = next_deadline(monitor, after)
    schedule_check(session, monitor, MISSED, monitor.deadline_at, now)


# --- alerts -----------------------------------------------------------------------------


def _details(monitor: Monitor) -> dict[str, Any]:
    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else as_utc(moment).isoformat()

    return {
        "monitor": monitor.slug,
        "schedule": describe(monitor),
        "checkin_margin_minutes": monitor.checkin_margin,
        "max_runtime_minutes": monitor.max_runtime,
        "failures_in_a_row": monitor.failures,
        "last_checkin_at": stamp(monitor.last_checkin_at),
        "expected_at": stamp(monitor.expected_at),
        "deadline_at": stamp(monitor.deadline_at),
        "owner": monitor.owner,
    }


def _signal(
    project: Project, monitor: Monitor, action: SignalAction, title: str, description: str
) -> SignalIn:
    return SignalIn(
        action=action,
        identity=f"{IDENTITY_PREFIX}{monitor.slug}",
        title=title,
        description=description,
        severity=DEFAULT_HEARTBEAT_SEVERITY,
        environment=monitor.environment,
        labels={"project": project.slug, "monitor": monitor.slug},
        team=project.team,
        service=project.service,
        details=_details(monitor),
    )


def failed(
    session: Session,
    project: Project,
    monitor: Monitor,
    what: str,
    detail: str,
    at: datetime,
    now: datetime,
) -> bool:
    """One failure (``what``: "missed a check-in", "reported an error", "timed out";
    ``detail`` says when and why); True if it made the monitor failing and raised the
    alert."""
    monitor.failures += 1
    monitor.successes = 0
    if monitor.state is MonitorState.FAILING or monitor.failures < monitor.failure_issue_threshold:
        return False
    monitor.state = MonitorState.FAILING
    title = f"Cron monitor {monitor.slug} of project {project.slug} {what}"
    description = (
        f"Cron monitor {monitor.slug} ({describe(monitor)}) of project {project.slug}: "
        f"{detail}. {monitor.failures} failure(s) in a row (alert after "
        f"{monitor.failure_issue_threshold})."
    )
    signal = _signal(project, monitor, SignalAction.TRIGGER, title, description)
    signal.starts_at = at
    persist(session, integration_of(project), SourceKind.CRON, [signal], now)
    return True


def succeeded(session: Session, project: Project, monitor: Monitor, now: datetime) -> bool:
    """One good check-in; True if it recovered a failing monitor and resolved the alert."""
    monitor.successes += 1
    monitor.failures = 0
    if monitor.state is not MonitorState.FAILING:
        monitor.state = MonitorState.OK
        return False
    if monitor.successes < monitor.recovery_threshold:
        return False
    monitor.state = MonitorState.OK
    title = f"Cron monitor {monitor.slug} of project {project.slug} recovered"
    description = (
        f"Cron monitor {monitor.slug} of project {project.slug} checked in ok "
        f"{monitor.successes} time(s) in a row."
    )
    signal = _signal(project, monitor, SignalAction.RESOLVE, title, description)
    signal.ends_at = now
    persist(session, integration_of(project), SourceKind.CRON, [signal], now)
    return True


def runtime(monitor: Monitor) -> timedelta:
    return timedelta(minutes=monitor.max_runtime)
