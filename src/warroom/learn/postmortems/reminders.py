"""Reminders of postmortems through the outbox: the reviewer hears before the postmortem is
due and again while it is overdue (every ``action_items.overdue_every``; the lead time is
``action_items.remind_before``, the same as for action items).

Reminders are jobs keyed by the postmortem and its due time, so a new due time (the
incident resolved again) schedules new ones and the old ones find themselves stale; a
reminder for a postmortem published or waived meanwhile does nothing. Emails go to the
reviewer's email contacts (``people`` in the config).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.people import PersonContactKind
from warroom.incidents.models import Incident
from warroom.jobs.queue import schedule
from warroom.learn.postmortems.models import Postmortem, PostmortemStatus
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue

log = structlog.get_logger("warroom.learn.postmortems")

DUE_JOB = "postmortem_due"
OVERDUE_JOB = "postmortem_overdue"


class PostmortemReminder(TypedDict):
    """Jobs ``postmortem_due`` and ``postmortem_overdue``."""

    postmortem_id: int
    due_at: str
    count: int


def schedule_for(session: Session, config: Config, postmortem: Postmortem, now: datetime) -> None:
    """The reminders of a draft with a due time (none without one)."""
    if postmortem.status is not PostmortemStatus.DRAFT or postmortem.due_at is None:
        return
    due = postmortem.due_at
    stamp = due.isoformat()
    payload: PostmortemReminder = {"postmortem_id": postmortem.id, "due_at": stamp, "count": 0}
    remind_at = max(due - config.action_items.remind_before, now)
    key = f"{postmortem.id}:{stamp}"
    if remind_at < due:
        schedule(session, DUE_JOB, remind_at, now, dict(payload), key=f"{DUE_JOB}:{key}")
    schedule(session, OVERDUE_JOB, due, now, dict(payload), key=f"{OVERDUE_JOB}:{key}:0")


def _live(session: Session, payload: PostmortemReminder) -> Postmortem | None:
    postmortem = session.scalar(
        select(Postmortem)
        .where(Postmortem.id == payload["postmortem_id"])
        .with_for_update(of=Postmortem)
    )
    if postmortem is None or postmortem.status is not PostmortemStatus.DRAFT:
        return None
    if postmortem.waived_at is not None or postmortem.due_at is None:
        return None
    if postmortem.due_at.isoformat() != payload["due_at"]:
        return None  # the due time moved: the reminders of the new one are scheduled
    return postmortem


def _send(
    session: Session,
    config: Config,
    postmortem: Postmortem,
    subject: str,
    text: str,
    key: str,
    now: datetime,
) -> int:
    reviewer = postmortem.reviewer
    person = config.person(reviewer.username) if reviewer is not None else None
    addresses = (
        [c.target for c in person.contacts if c.kind is PersonContactKind.EMAIL] if person else []
    )
    incident = session.get(Incident, postmortem.incident_id)
    ref = incident.ref if incident is not None else str(postmortem.incident_id)
    sent = 0
    for address in addresses:
        made = enqueue(
            session,
            config,
            channel=Channel.EMAIL,
            target=address,
            purpose=Purpose.REMINDER,
            payload={
                "kind": "postmortem",
                "subject": subject,
                "text": text,
                "links": [{"label": "Postmortem", "path": f"/incidents/{ref}/postmortem"}],
            },
            key=f"{key}:{address}",
            now=now,
            incident_id=postmortem.incident_id,
        )
        sent += made is not None
    if not sent:
        log.info("postmortem_reminder_nobody", postmortem=postmortem.id)
    return sent


def due_reminder(
    session: Session, config: Config, payload: PostmortemReminder, now: datetime
) -> None:
    """Job: the postmortem is due soon."""
    postmortem = _live(session, payload)
    if postmortem is None:
        return
    due = payload["due_at"][:16].replace("T", " ")
    subject = f"Postmortem due {due} UTC: {postmortem.title}"
    text = (
        f"You review the postmortem {postmortem.title}; it is due on {due} UTC "
        "and is still a draft. Finish it and publish it so the incident can close."
    )
    key = f"{DUE_JOB}:{postmortem.id}:{payload['due_at']}"
    _send(session, config, postmortem, subject, text, key, now)


def overdue_reminder(
    session: Session, config: Config, payload: PostmortemReminder, now: datetime
) -> None:
    """Job: the postmortem is overdue; remind, then again ``overdue_every`` later while
    it is."""
    postmortem = _live(session, payload)
    if postmortem is None:
        return
    count = payload["count"]
    assert postmortem.due_at is not None  # _live checked it
    late = (now - postmortem.due_at).days
    due = payload["due_at"][:16].replace("T", " ")
    subject = f"Overdue postmortem ({late}d): {postmortem.title}"
    text = (
        f"You review the postmortem {postmortem.title}; it was due on {due} UTC "
        "and is still a draft. Publish it, or ask an admin to waive it with a reason."
    )
    key = f"{OVERDUE_JOB}:{postmortem.id}:{payload['due_at']}"
    _send(session, config, postmortem, subject, text, f"{key}:{count}", now)
    following: PostmortemReminder = {
        "postmortem_id": postmortem.id,
        "due_at": payload["due_at"],
        "count": count + 1,
    }
    schedule(
        session,
        OVERDUE_JOB,
        now + config.action_items.overdue_every,
        now,
        dict(following),
        key=f"{key}:{count + 1}",
    )
