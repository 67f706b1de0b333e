"""One row per issue warroom keeps in a tracker: which subject it mirrors and what it is."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class SubjectKind(StrEnum):
    ACTION_ITEM = "action_item"
    INCIDENT = "incident"


class IssueState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TrackerIssue(Base):
    """Made when the first sync of a subject is enqueued (``external_id`` still None), so
    every later sync of that subject finds the same row: one tracker issue per subject.

    ``queued_revision`` is the newest revision enqueued; a delivery carrying an older one
    is superseded and writes nothing (the newest carries the whole state). ``sending`` is
    the delivery writing now, until ``lease_until``: another delivery of the subject waits.
    """

    __tablename__ = "tracker_issues"
    __table_args__ = (
        UniqueConstraint("tracker", "subject_kind", "subject_id", name="uq_tracker_issues_subject"),
        UniqueConstraint("tracker", "external_id", name="uq_tracker_issues_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker: Mapped[str] = mapped_column(String(63))
    subject_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind))
    subject_id: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(128))
    """The tracker's own id (GitHub/GitLab issue number, Jira/YouTrack id)."""
    key: Mapped[str | None] = mapped_column(String(128))
    """What people call it: ``#12``, ``OPS-7``."""
    url: Mapped[str | None] = mapped_column(String(1024))
    state: Mapped[IssueState] = mapped_column(str_enum(IssueState))
    """The last state warroom wrote or the tracker reported."""
    queued_revision: Mapped[int] = mapped_column(Integer)
    synced_revision: Mapped[int | None] = mapped_column(Integer)
    sending: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]
