"""Error issues and what they are made of: events, grouping hashes, tags, users, releases.

An issue's counts (events, distinct users, per tag value, per release and environment) are
exact; full event bodies are kept only for a bounded set of samples per issue (the first
event and the latest ones), while every event keeps a small index row (id, time, release,
environment, user) that windows and gates count on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class IssueStatus(StrEnum):
    UNRESOLVED = "unresolved"
    RESOLVED = "resolved"
    IGNORED = "ignored"


class IssueSubstatus(StrEnum):
    """Why an issue is where it is (Sentry's substatus)."""

    NEW = "new"
    ONGOING = "ongoing"
    ESCALATING = "escalating"
    REGRESSED = "regressed"
    RESOLVED = "resolved"
    FOREVER = "forever"
    UNTIL_CONDITION = "until_condition_met"
    UNTIL_ESCALATING = "until_escalating"


class ResolveMode(StrEnum):
    NOW = "now"
    NEXT_RELEASE = "next_release"
    IN_RELEASE = "in_release"


class IgnoreMode(StrEnum):
    FOREVER = "forever"
    FOR_TIME = "for_time"
    UNTIL_EVENTS = "until_events"
    UNTIL_USERS = "until_users"
    UNTIL_ESCALATING = "until_escalating"


class Issue(Base):
    __tablename__ = "error_issues"
    __table_args__ = (
        Index("ix_error_issues_project_status", "project_id", "status", "last_seen"),
        UniqueConstraint("project_id", "short_number", name="ux_error_issues_short"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    short_number: Mapped[int]
    """Per project, from 1: the issue is shown as ``<PROJECT-SLUG>-<n>``."""
    primary_hash: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(1024))
    culprit: Mapped[str] = mapped_column(String(1024))
    type: Mapped[str] = mapped_column(String(32))
    event_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    level: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(64))
    status: Mapped[IssueStatus] = mapped_column(str_enum(IssueStatus))
    substatus: Mapped[IssueSubstatus] = mapped_column(str_enum(IssueSubstatus))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    times_seen: Mapped[int] = mapped_column(default=0)
    users_seen: Mapped[int] = mapped_column(default=0)
    first_release: Mapped[str | None] = mapped_column(String(250))
    last_release: Mapped[str | None] = mapped_column(String(250))
    team: Mapped[str | None] = mapped_column(String(64))
    routed_by: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[ResolveMode | None] = mapped_column(str_enum(ResolveMode))
    resolved_in_release: Mapped[str | None] = mapped_column(String(250))
    """For "in release X": X; for "in the next release": the newest release at resolve time
    (an event counts as a regression only from a newer one)."""
    ignore_mode: Mapped[IgnoreMode | None] = mapped_column(str_enum(IgnoreMode))
    ignore_until: Mapped[datetime | None]
    ignore_count: Mapped[int | None]
    """For until N events / N users: N more than the issue had when it was ignored."""
    ignore_baseline: Mapped[int | None]
    regressed_at: Mapped[datetime | None]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    suspect_deploy_id: Mapped[int | None]


class IssueHash(Base):
    """A grouping hash of an issue: an event whose hash is here joins that issue."""

    __tablename__ = "error_issue_hashes"
    __table_args__ = (UniqueConstraint("project_id", "hash", name="ux_error_issue_hashes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    hash: Mapped[str] = mapped_column(String(32))
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"), index=True)


class ErrorEvent(Base):
    """One event of an issue. ``body`` (the normalised event) is kept for sample events
    only; the row itself stays, so counts over windows and lookups by id stay exact."""

    __tablename__ = "error_events"
    __table_args__ = (
        UniqueConstraint("project_id", "event_id", name="ux_error_events_event_id"),
        Index("ix_error_events_issue_time", "issue_id", "timestamp"),
        Index(
            "ix_error_events_samples",
            "issue_id",
            "id",
            sqlite_where=text("body IS NOT NULL"),
            postgresql_where=text("body IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    event_id: Mapped[str] = mapped_column(String(32))
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    timestamp: Mapped[datetime]
    received_at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(16))
    release: Mapped[str | None] = mapped_column(String(250))
    environment: Mapped[str | None] = mapped_column(String(64))
    user_key: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class IssueTag(Base):
    """How often each value of a tag came with an issue's events (exact)."""

    __tablename__ = "error_issue_tags"
    __table_args__ = (UniqueConstraint("issue_id", "key", "value", name="ux_error_issue_tags"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(200))
    times_seen: Mapped[int]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class IssueUser(Base):
    """A distinct user an issue affected (its users_seen counts these)."""

    __tablename__ = "error_issue_users"
    __table_args__ = (UniqueConstraint("issue_id", "user_key", name="ux_error_issue_users"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    user_key: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime]


class IssueRelease(Base):
    """When an issue was first and last seen in a release and environment."""

    __tablename__ = "error_issue_releases"
    __table_args__ = (
        UniqueConstraint("issue_id", "release", "environment", name="ux_error_issue_releases"),
        Index("ix_error_issue_releases_release", "release", "environment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    release: Mapped[str] = mapped_column(String(250))
    """'' for events without a release."""
    environment: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    times_seen: Mapped[int]
    regressed: Mapped[bool] = mapped_column(default=False)
    """An event of this release and environment reopened the resolved issue."""


class IssueRuleFire(Base):
    """When an issue rule last acted on an issue (its action interval)."""

    __tablename__ = "error_issue_rule_fires"
    __table_args__ = (UniqueConstraint("issue_id", "rule", name="ux_error_issue_rule_fires"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    rule: Mapped[str] = mapped_column(String(64))
    fired_at: Mapped[datetime]
    fired: Mapped[int] = mapped_column(default=1)


class ProjectOutcome(Base):
    """What a project's SDKs reported dropping (client reports) and what the worker dropped,
    by category and reason: counted, never silent."""

    __tablename__ = "error_outcomes"
    __table_args__ = (
        UniqueConstraint("project_id", "source", "category", "reason", name="ux_error_outcomes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    source: Mapped[str] = mapped_column(String(32))
    """``client`` (an SDK's client report) or ``server`` (dropped by warroom's worker)."""
    category: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int]
    last_at: Mapped[datetime]


class IssueMinute(Base):
    """Events of an issue per minute: the windows of issue rules and the escalating check
    sum these, not the events."""

    __tablename__ = "error_issue_minutes"
    __table_args__ = (UniqueConstraint("issue_id", "minute", name="ux_error_issue_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("error_issues.id"))
    minute: Mapped[datetime]
    events: Mapped[int]


class Attachment(Base):
    """A file an SDK sent with an event (a log, a minidump, a screenshot)."""

    __tablename__ = "error_attachments"
    __table_args__ = (Index("ix_error_attachments_event", "project_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    event_id: Mapped[str | None] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(128))
    attachment_type: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
