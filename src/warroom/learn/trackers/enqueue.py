"""Queueing a sync of one subject (an action item or an incident) to one tracker.

Called inside the transaction of the change that causes it, like every outbox write
(``warroom.notify.outbox``): the sync exists if and only if the change committed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.learn.trackers.models import IssueState, SubjectKind, TrackerIssue
from warroom.notify.models import Channel, Delivery, Purpose
from warroom.notify.outbox import enqueue


@dataclass(frozen=True)
class TrackerSubject:
    """What the tracker issue shows. ``revision`` grows with every change of the subject;
    it is part of the outbox key, so a job that runs again enqueues nothing twice."""

    kind: SubjectKind
    id: int
    title: str
    body: str
    """Markdown."""
    closed: bool
    url: str
    """The subject's page in warroom; a path (``/incidents/INC-12``) is completed with
    warroom's public URL when sent."""
    revision: int
    labels: list[str] = field(default_factory=list)
    assignee: str | None = None
    """The person's username in that tracker."""
    due: date | None = None

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["due"] = self.due.isoformat() if self.due else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> TrackerSubject:
        due = data.get("due")
        return cls(
            kind=SubjectKind(data["kind"]),
            id=int(data["id"]),
            title=str(data["title"]),
            body=str(data["body"]),
            closed=bool(data["closed"]),
            url=str(data["url"]),
            revision=int(data["revision"]),
            labels=[str(label) for label in data.get("labels") or []],
            assignee=data.get("assignee"),
            due=date.fromisoformat(due) if due else None,
        )


class UnknownTracker(ValueError):
    """The name is not one of ``trackers`` in the configuration."""


def sync_key(tracker: str, subject: TrackerSubject) -> str:
    return f"tracker:{tracker}:{subject.kind.value}:{subject.id}:{subject.revision}"


def enqueue_tracker_sync(
    session: Session,
    config: Config,
    *,
    tracker: str,
    subject: TrackerSubject,
    now: datetime,
) -> Delivery | None:
    """Queue a sync of ``subject`` to ``tracker``; None if this revision is queued already.

    The subject's ``tracker_issues`` row is made here (the first time) and remembers the
    newest revision queued: the sender writes only that one, so syncs queued before the
    first is delivered make one issue and the latest state wins (docs/trackers.md).
    """
    if config.tracker(tracker) is None:
        raise UnknownTracker(f"unknown tracker {tracker!r}")
    issue = _issue_of(session, tracker, subject, now)
    if subject.revision > issue.queued_revision:
        issue.queued_revision = subject.revision
        issue.updated_at = now
    return enqueue(
        session,
        config,
        channel=Channel.TRACKER,
        target=tracker,
        purpose=Purpose.TRACKER_SYNC,
        payload={"tracker": tracker, "subject": subject.to_payload()},
        key=sync_key(tracker, subject),
        now=now,
        incident_id=subject.id if subject.kind is SubjectKind.INCIDENT else None,
    )


def find_issue(
    session: Session, tracker: str, kind: SubjectKind, subject_id: int
) -> TrackerIssue | None:
    return session.scalar(
        select(TrackerIssue).where(
            TrackerIssue.tracker == tracker,
            TrackerIssue.subject_kind == kind,
            TrackerIssue.subject_id == subject_id,
        )
    )


def _issue_of(
    session: Session, tracker: str, subject: TrackerSubject, now: datetime
) -> TrackerIssue:
    issue = find_issue(session, tracker, subject.kind, subject.id)
    if issue is not None:
        return issue
    issue = TrackerIssue(
        tracker=tracker,
        subject_kind=subject.kind,
        subject_id=subject.id,
        state=IssueState.OPEN,
        queued_revision=subject.revision,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(issue)
    except IntegrityError:  # another transaction made it first
        found = find_issue(session, tracker, subject.kind, subject.id)
        if found is None:
            raise
        return found
    return issue
