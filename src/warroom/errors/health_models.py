"""Tables of what Sentry SDKs send besides errors: release health (sessions per minute, the
sessions still open, users per release), cron monitors and their check-ins, transactions per
minute with a duration histogram, log counts, and user feedback."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum

RELEASE_LENGTH = 250
ENVIRONMENT_LENGTH = 64
NAME_LENGTH = 200
SLUG_LENGTH = 64
ID_LENGTH = 64


# --- release health ---------------------------------------------------------------------


class SessionCategory(StrEnum):
    """Where a session is counted now; every session is in exactly one."""

    RUNNING = "running"
    """Started, not ended, no error yet: only in ``started``."""
    EXITED = "exited"
    ERRORED = "errored"
    CRASHED = "crashed"
    ABNORMAL = "abnormal"


class SessionMinute(Base):
    """Sessions of a release and environment by the minute they started, each counted once,
    in the column of its latest status (``started`` counts them all)."""

    __tablename__ = "session_minutes"

    project_id: Mapped[int] = mapped_column(primary_key=True)
    release: Mapped[str] = mapped_column(String(RELEASE_LENGTH), primary_key=True)
    environment: Mapped[str] = mapped_column(String(ENVIRONMENT_LENGTH), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    started: Mapped[int] = mapped_column(default=0)
    exited: Mapped[int] = mapped_column(default=0)
    errored: Mapped[int] = mapped_column(default=0)
    crashed: Mapped[int] = mapped_column(default=0)
    abnormal: Mapped[int] = mapped_column(default=0)


class ReleaseSession(Base):
    """A single session (``session`` items) and where it is counted, so that later updates
    move it rather than count it again."""

    __tablename__ = "release_sessions"

    project_id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    release: Mapped[str] = mapped_column(String(RELEASE_LENGTH))
    environment: Mapped[str] = mapped_column(String(ENVIRONMENT_LENGTH))
    minute: Mapped[datetime]
    did: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    category: Mapped[SessionCategory] = mapped_column(str_enum(SessionCategory))
    ended: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class ReleaseUser(Base):
    """A distinct user (``did``) of a release and environment, and when it last crashed."""

    __tablename__ = "release_users"
    __table_args__ = (
        Index("ix_release_users_seen", "project_id", "release", "environment", "last_seen"),
    )

    project_id: Mapped[int] = mapped_column(primary_key=True)
    release: Mapped[str] = mapped_column(String(RELEASE_LENGTH), primary_key=True)
    environment: Mapped[str] = mapped_column(String(ENVIRONMENT_LENGTH), primary_key=True)
    did: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    crashed_at: Mapped[datetime | None]


class HealthRuleFire(Base):
    """When a crash-free rule last fired for a release and environment (its interval)."""

    __tablename__ = "health_rule_fires"

    rule: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    project_id: Mapped[int] = mapped_column(primary_key=True)
    release: Mapped[str] = mapped_column(String(RELEASE_LENGTH), primary_key=True)
    environment: Mapped[str] = mapped_column(String(ENVIRONMENT_LENGTH), primary_key=True)
    fired_at: Mapped[datetime]
    fired: Mapped[int] = mapped_column(default=1)


# --- cron monitors ----------------------------------------------------------------------


class ScheduleKind(StrEnum):
    CRONTAB = "crontab"
    INTERVAL = "interval"


class MonitorState(StrEnum):
    WAITING = "waiting"
    """Created, no check-in finished yet."""
    OK = "ok"
    FAILING = "failing"
    """Failed at least ``failure_issue_threshold`` times in a row: its alert is open."""


class CheckInStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    OK = "ok"
    ERROR = "error"
    MISSED = "missed"
    TIMEOUT = "timeout"


class Monitor(Base):
    """A cron monitor of a project, created and updated by check-ins carrying a
    ``monitor_config`` (the database's counterpart of a configured heartbeat)."""

    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("project_id", "slug", name="ux_monitors_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    schedule_kind: Mapped[ScheduleKind] = mapped_column(str_enum(ScheduleKind))
    schedule: Mapped[str] = mapped_column(String(NAME_LENGTH))
    """A crontab, or an interval's count."""
    interval_unit: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    checkin_margin: Mapped[int]
    """Minutes a check-in may be late before it counts as missed."""
    max_runtime: Mapped[int]
    """Minutes a check-in may stay in progress before it counts as timed out."""
    failure_issue_threshold: Mapped[int]
    recovery_threshold: Mapped[int]
    owner: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    state: Mapped[MonitorState] = mapped_column(str_enum(MonitorState))
    environment: Mapped[str | None] = mapped_column(String(ENVIRONMENT_LENGTH))
    """The environment of its latest check-in (alerts name it)."""
    last_checkin_at: Mapped[datetime | None]
    expected_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    """``expected_at`` + margin: without a check-in by then, the run was missed."""
    failures: Mapped[int] = mapped_column(default=0)
    """Failed check-ins in a row."""
    successes: Mapped[int] = mapped_column(default=0)
    """Good check-ins in a row."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MonitorCheckIn(Base):
    """One run of a monitor: from ``in_progress`` to its closing status, or a missed run."""

    __tablename__ = "monitor_checkins"
    __table_args__ = (
        Index("ix_monitor_checkins_run", "monitor_id", "check_in_id"),
        Index("ix_monitor_checkins_time", "monitor_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int]
    check_in_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    status: Mapped[CheckInStatus] = mapped_column(str_enum(CheckInStatus))
    environment: Mapped[str | None] = mapped_column(String(ENVIRONMENT_LENGTH))
    release: Mapped[str | None] = mapped_column(String(RELEASE_LENGTH))
    received_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    duration: Mapped[float | None]
    """Seconds, as the SDK reported them."""
    timeout_at: Mapped[datetime | None]


# --- transactions, logs, feedback -------------------------------------------------------


class TransactionMinute(Base):
    """Transactions of a project by name and minute: counts and the sum of durations."""

    __tablename__ = "transaction_minutes"

    project_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[float] = mapped_column(default=0.0)


class TransactionBucket(Base):
    """The minute's duration histogram: how many transactions fell in each log bucket."""

    __tablename__ = "transaction_buckets"

    project_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


class LogMinute(Base):
    """Log records of a project per minute and level."""

    __tablename__ = "log_minutes"

    project_id: Mapped[int] = mapped_column(primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class FeedbackKind(StrEnum):
    USER_REPORT = "user_report"
    FEEDBACK = "feedback"


class UserFeedback(Base):
    """What a user said (the crash-report dialog, the feedback widget), linked to the event
    it is about when it names one."""

    __tablename__ = "user_feedback"
    __table_args__ = (Index("ix_user_feedback_event", "project_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    kind: Mapped[FeedbackKind] = mapped_column(str_enum(FeedbackKind))
    event_id: Mapped[str | None] = mapped_column(String(32))
    """The error event it is about."""
    feedback_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    email: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
