"""The outbox sender of ``Channel.TRACKER``: one delivery is one sync of one subject.

Before it writes, the sender takes the subject's ``tracker_issues`` row for itself (a short
transaction: ``sending`` and a lease): a newer revision queued makes this delivery a no-op
(the newer one carries the whole state), and another delivery of the subject writing now
makes this one wait (retried after ``BUSY_RETRY_SECONDS``). The issue it made or updated is
written to the row at once, so the next sync updates that issue instead of making another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warroom.config.trackers import Tracker, TrackerKind
from warroom.learn.trackers.clients import IssueRef, RateLimited, TrackerClient
from warroom.learn.trackers.clients.github import GitHubClient
from warroom.learn.trackers.clients.gitlab import GitLabClient
from warroom.learn.trackers.clients.jira import JiraClient
from warroom.learn.trackers.clients.webhook import WebhookClient
from warroom.learn.trackers.clients.youtrack import YouTrackClient
from warroom.learn.trackers.enqueue import TrackerSubject, find_issue
from warroom.learn.trackers.models import IssueState, TrackerIssue
from warroom.learn.trackers.rate_limit import WriteLimiter
from warroom.notify.channels import DeliveryFailed, SendContext
from warroom.notify.models import Channel, Delivery

SUBJECT_LEASE = timedelta(minutes=2)
"""As long as the outbox's own lease: a sender that died mid-write frees the subject."""
BUSY_RETRY_SECONDS = 5.0


def default_clients() -> dict[TrackerKind, TrackerClient]:
    return {
        TrackerKind.GITHUB: GitHubClient(),
        TrackerKind.GITLAB: GitLabClient(),
        TrackerKind.JIRA: JiraClient(),
        TrackerKind.YOUTRACK: YouTrackClient(),
        TrackerKind.WEBHOOK: WebhookClient(),
    }


class TrackerSender:
    channel = Channel.TRACKER

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clients: dict[TrackerKind, TrackerClient] | None = None,
        limiter: WriteLimiter | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.clients = clients if clients is not None else default_clients()
        self.limiter = limiter or WriteLimiter()
        self.clock = clock

    def send(self, delivery: Delivery, context: SendContext) -> dict[str, Any] | None:
        name = str(delivery.payload.get("tracker", delivery.target))
        tracker = context.config.tracker(name)
        if tracker is None:
            raise DeliveryFailed(f"tracker {name!r} is not configured", retryable=False)
        subject = TrackerSubject.from_payload(delivery.payload["subject"])
        if subject.url.startswith("/"):  # a path in warroom: the link is made here
            subject = replace(subject, url=context.public_url.rstrip("/") + subject.url)
        now = context.now
        taken = self.take(delivery, tracker, subject, now)
        if taken is None:
            return {"superseded": True}
        ref, was_closed = taken
        try:
            wait = self.limiter.wait(tracker.name, tracker.writes_per_minute, now)
            if wait > 0:
                raise DeliveryFailed(
                    f"tracker {tracker.name!r}: {tracker.writes_per_minute} writes a minute "
                    "reached, postponed",
                    retry_after=wait,
                )
            client = self.clients[tracker.kind]
            if ref is None:
                ref = client.create(tracker, subject, now)
            else:
                client.update(tracker, ref, subject, was_closed, now)
        except RateLimited as exc:
            if exc.retry_after is not None:
                self.limiter.pause(tracker.name, now + timedelta(seconds=exc.retry_after))
            self.release(delivery, tracker, subject, None, now)
            raise
        except DeliveryFailed:
            self.release(delivery, tracker, subject, None, now)
            raise
        self.release(delivery, tracker, subject, ref, now)
        return {"external_id": ref.external_id, "key": ref.key, "url": ref.url}

    def take(
        self, delivery: Delivery, tracker: Tracker, subject: TrackerSubject, now: datetime
    ) -> tuple[IssueRef | None, bool] | None:
        """The issue to update (None: to create) and whether it is closed; None when a
        newer revision is queued. Raises a retryable failure when the subject is busy."""
        with self.session_factory() as session:
            issue = self._locked(session, tracker.name, subject)
            if issue is None:
                raise DeliveryFailed(
                    f"no tracker_issues row for {subject.kind.value} {subject.id}",
                    retryable=False,
                )
            if subject.revision < issue.queued_revision:
                session.rollback()
                return None
            busy = (
                issue.sending is not None
                and issue.sending != delivery.id
                and issue.lease_until is not None
                and issue.lease_until > now
            )
            if busy:
                session.rollback()
                raise DeliveryFailed(
                    f"another sync of {subject.kind.value} {subject.id} is being written",
                    retry_after=BUSY_RETRY_SECONDS,
                )
            issue.sending = delivery.id
            issue.lease_until = now + SUBJECT_LEASE
            ref = (
                IssueRef(issue.external_id, issue.key or issue.external_id, issue.url or "")
                if issue.external_id is not None
                else None
            )
            closed = issue.state is IssueState.CLOSED
            session.commit()
            return ref, closed

    def release(
        self,
        delivery: Delivery,
        tracker: Tracker,
        subject: TrackerSubject,
        ref: IssueRef | None,
        now: datetime,
    ) -> None:
        with self.session_factory() as session:
            issue = self._locked(session, tracker.name, subject)
            if issue is None:
                session.rollback()
                return
            if issue.sending == delivery.id:
                issue.sending = None
                issue.lease_until = None
            if ref is not None:
                issue.external_id = ref.external_id
                issue.key = ref.key
                issue.url = ref.url or None
                issue.state = IssueState.CLOSED if subject.closed else IssueState.OPEN
                issue.synced_revision = max(issue.synced_revision or 0, subject.revision)
                issue.synced_at = now
                issue.updated_at = now
            session.commit()

    def _locked(
        self, session: Session, tracker: str, subject: TrackerSubject
    ) -> TrackerIssue | None:
        found = find_issue(session, tracker, subject.kind, subject.id)
        if found is None:
            return None
        return session.scalar(
            select(TrackerIssue).where(TrackerIssue.id == found.id).with_for_update()
        )

    def delivered(self, session: Session, delivery: Delivery, now: datetime) -> None:
        return None
