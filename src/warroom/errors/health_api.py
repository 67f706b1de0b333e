"""Routes: a project's release health, transactions, log counts, user feedback and cron
monitors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors import feedback, logs, sessions, transactions
from warroom.errors.health_models import Monitor, MonitorCheckIn
from warroom.errors.health_schemas import (
    CheckInOut,
    FeedbackOut,
    HealthOut,
    LogCountOut,
    LogCountsOut,
    MonitorOut,
    TransactionOut,
    TransactionsOut,
)
from warroom.errors.monitor_config import describe
from warroom.http.deps import ConfigDep, SessionDep, UserDep
from warroom.http.inputs import LocalInstant
from warroom.problems import NotFound

router = APIRouter(prefix="/api/v1/projects/{slug}", tags=["release health"])
PERCENT = 100
MAX_FEEDBACK = 200
RECENT_CHECK_INS = 10


def _project(config: Config, slug: str) -> Project:
    project = config.project(slug)
    if project is None:
        raise NotFound(f"no project {slug!r}", field="slug")
    return project


def _percent(rate: float | None) -> float | None:
    return None if rate is None else PERCENT * rate


@router.get("/health", response_model=list[HealthOut])
def release_health(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    release: str | None = None,
    environment: str | None = None,
    since: LocalInstant | None = None,
) -> list[HealthOut]:
    """Sessions (by the minute they started, since ``since``) and users per release and
    environment, with crash-free rates in percent."""
    project = _project(config, slug)
    return [
        HealthOut(
            release=h.release,
            environment=h.environment,
            sessions=h.started,
            exited=h.exited,
            errored=h.errored,
            crashed=h.crashed,
            abnormal=h.abnormal,
            users=h.users,
            crashed_users=h.crashed_users,
            crash_free_sessions=_percent(h.crash_free_sessions),
            crash_free_users=_percent(h.crash_free_users),
        )
        for h in sessions.health(session, project.id, release, environment, since)
    ]


def _transaction_out(summary: transactions.Summary) -> TransactionOut:
    return TransactionOut(
        name=summary.name,
        minute=summary.minute,
        count=summary.count,
        errors=summary.errors,
        failure_rate=summary.errors / summary.count if summary.count else 0.0,
        mean_ms=summary.mean_ms,
        p50_ms=summary.p50_ms,
        p95_ms=summary.p95_ms,
    )


@router.get("/transactions", response_model=TransactionsOut)
def transaction_stats(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    name: str | None = None,
    since: LocalInstant | None = None,
) -> TransactionsOut:
    """Per transaction name: count, errors, p50 and p95 duration; per minute too with a
    ``name``."""
    project = _project(config, slug)
    totals = transactions.summaries(session, project.id, since, name)
    minutes = (
        transactions.summaries(session, project.id, since, name, per_minute=True)
        if name is not None
        else []
    )
    return TransactionsOut(
        quantile_error_bound=transactions.ERROR_BOUND,
        totals=[_transaction_out(s) for s in totals],
        minutes=[_transaction_out(s) for s in minutes],
    )


@router.get("/logs/counts", response_model=LogCountsOut)
def log_counts(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    since: LocalInstant | None = None,
) -> LogCountsOut:
    project = _project(config, slug)
    levels = {level: n for _at, level, n in logs.counts(session, project.id, since)}
    minutes = logs.counts(session, project.id, since, per_minute=True)
    return LogCountsOut(
        total=sum(levels.values()),
        levels=levels,
        minutes=[LogCountOut(minute=at, level=level, count=n) for at, level, n in minutes],
    )


@router.get("/feedback", response_model=list[FeedbackOut])
def user_feedback(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    event_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEEDBACK)] = 50,
) -> list[FeedbackOut]:
    """What users said, newest first; ``event_id`` keeps what is about one event."""
    project = _project(config, slug)
    return [
        FeedbackOut.model_validate(row, from_attributes=True)
        for row in feedback.of_project(session, project.id, event_id, limit)
    ]


@router.get("/monitors", response_model=list[MonitorOut])
def cron_monitors(
    slug: str, session: SessionDep, config: ConfigDep, _user: UserDep
) -> list[MonitorOut]:
    """The project's cron monitors with their latest check-ins, newest first."""
    project = _project(config, slug)
    found = []
    for monitor in session.scalars(
        select(Monitor).where(Monitor.project_id == project.id).order_by(Monitor.slug)
    ):
        runs = session.scalars(
            select(MonitorCheckIn)
            .where(MonitorCheckIn.monitor_id == monitor.id)
            .order_by(MonitorCheckIn.id.desc())
            .limit(RECENT_CHECK_INS)
        )
        found.append(
            MonitorOut(
                slug=monitor.slug,
                schedule=describe(monitor),
                timezone=monitor.timezone,
                checkin_margin=monitor.checkin_margin,
                max_runtime=monitor.max_runtime,
                failure_issue_threshold=monitor.failure_issue_threshold,
                recovery_threshold=monitor.recovery_threshold,
                owner=monitor.owner,
                state=monitor.state,
                environment=monitor.environment,
                last_checkin_at=monitor.last_checkin_at,
                expected_at=monitor.expected_at,
                deadline_at=monitor.deadline_at,
                failures=monitor.failures,
                check_ins=[CheckInOut.model_validate(r, from_attributes=True) for r in runs],
            )
        )
    return found
