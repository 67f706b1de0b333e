"""API shapes of release health, transactions, log counts, feedback and cron monitors."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from warroom.errors.health_models import CheckInStatus, FeedbackKind, MonitorState


class HealthOut(BaseModel):
    release: str
    environment: str
    sessions: int
    exited: int
    errored: int
    crashed: int
    abnormal: int
    users: int
    crashed_users: int
    crash_free_sessions: float | None
    """Percent; None without sessions."""
    crash_free_users: float | None


class TransactionOut(BaseModel):
    name: str
    minute: datetime | None
    count: int
    errors: int
    failure_rate: float
    mean_ms: float
    p50_ms: float | None
    p95_ms: float | None


class TransactionsOut(BaseModel):
    quantile_error_bound: float
    """Largest relative error of p50_ms and p95_ms."""
    totals: list[TransactionOut]
    minutes: list[TransactionOut]
    """Per minute, when a name is asked for."""


class LogCountOut(BaseModel):
    minute: datetime | None
    level: str
    count: int


class LogCountsOut(BaseModel):
    total: int
    levels: dict[str, int]
    minutes: list[LogCountOut]


class FeedbackOut(BaseModel):
    id: int
    kind: FeedbackKind
    event_id: str | None
    feedback_id: str | None
    name: str | None
    email: str | None
    message: str
    url: str | None
    received_at: datetime


class CheckInOut(BaseModel):
    check_in_id: str | None
    status: CheckInStatus
    environment: str | None
    release: str | None
    received_at: datetime
    finished_at: datetime | None
    duration: float | None


class MonitorOut(BaseModel):
    slug: str
    schedule: str
    timezone: str
    checkin_margin: int
    max_runtime: int
    failure_issue_threshold: int
    recovery_threshold: int
    owner: str | None
    state: MonitorState
    environment: str | None
    last_checkin_at: datetime | None
    expected_at: datetime | None
    deadline_at: datetime | None
    failures: int
    check_ins: list[CheckInOut]
