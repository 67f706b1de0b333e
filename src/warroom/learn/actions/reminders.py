"""Reminders of action items through the outbox: the owner hears before the due date and
again while the item is overdue (every ``action_items.overdue_every``); each team gets a
weekly digest of its open and overdue items.

Reminders are jobs keyed by the item and its due date, so changing the due date schedules
new ones and the old ones find themselves stale; a reminder for an item done meanwhile does
nothing. Emails go to the owner's email contacts (``people`` in the config) and the digest
to the team's email contacts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.config.hours import WEEKDAYS
from warroom.config.models import ContactKind
from warroom.config.people import PersonContactKind
from warroom.jobs.queue import schedule
from warroom.learn.actions.models import ActionItem, ActionStatus
from warroom.notify.models import Channel, Purpose
from warroom.notify.outbox import enqueue

log = structlog.get_logger("warroom.learn.actions")

DUE_JOB = "action_item_due"
OVERDUE_JOB = "action_item_overdue"
DIGEST_EVERY = timedelta(minutes=10)


class ReminderPayload(TypedDict):
    """Jobs ``action_item_due`` and ``action_item_overdue``."""

    item_id: int
    due_on: str
    count: int


def _zone(config: Config, team: str) -> ZoneInfo:
    found = config.team(team)
    return found.zone if found is not None else ZoneInfo("UTC")


def due_moment(config: Config, item: ActionItem) -> datetime:
    """The end of the due day in the team's time zone: after it, the item is overdue."""
    zone = _zone(config, item.team)
    end = datetime.combine(item.due_on + timedelta(days=1), time(), tzinfo=zone)
    return end.astimezone(ZoneInfo("UTC"))


def schedule_for(session: Session, config: Config, item: ActionItem, now: datetime) -> None:
    if item.status is not ActionStatus.OPEN:
        return
    overdue_at = due_moment(config, item)
    remind_at = max(overdue_at - timedelta(days=1) - config.action_items.remind_before, now)
    stamp = item.due_on.isoformat()
    payload: ReminderPayload = {"item_id": item.id, "due_on": stamp, "count": 0}
    if remind_at < overdue_at:
        schedule(
            session, DUE_JOB, remind_at, now, dict(payload), key=f"{DUE_JOB}:{item.id}:{stamp}"
        )
    schedule(
        session,
        OVERDUE_JOB,
        overdue_at,
        now,
        dict(payload),
        key=f"{OVERDUE_JOB}:{item.id}:{stamp}:0",
    )


def _emails_of_owner(config: Config, item: ActionItem) -> list[str]:
    if item.owner is None:
        return []
    person = config.person(item.owner.username)
    if person is None:
        return []
    return [c.target for c in person.contacts if c.kind is PersonContactKind.EMAIL]


def _item_line(item: ActionItem, today: date) -> str:
    owner = item.owner.username if item.owner is not None else "no owner"
    late = (today - item.due_on).days
    when = f"overdue by {late}d" if late > 0 else f"due {item.due_on.isoformat()}"
    return f"- #{item.id} {item.title} ({item.kind.value}, {item.priority.value}, {owner}, {when})"


def _live(session: Session, payload: ReminderPayload) -> ActionItem | None:
    item = session.scalar(
        select(ActionItem).where(ActionItem.id == payload["item_id"]).with_for_update(of=ActionItem)
    )
    if item is None or item.status is not ActionStatus.OPEN:
        return None
    if item.due_on.isoformat() != payload["due_on"]:
        return None  # the due date moved: the reminders of the new one are scheduled
    return item


def _send(
    session: Session,
    config: Config,
    item: ActionItem,
    subject: str,
    text: str,
    key: str,
    now: datetime,
) -> int:
    sent = 0
    for address in _emails_of_owner(config, item):
        made = enqueue(
            session,
            config,
            channel=Channel.EMAIL,
            target=address,
            purpose=Purpose.REMINDER,
            payload={
                "kind": "action_item",
                "subject": subject,
                "text": text,
                "links": [
                    {"label": "Action items", "path": f"/actions?incident={item.incident_id}"}
                ],
            },
            key=f"{key}:{address}",
            now=now,
            incident_id=item.incident_id,
        )
        sent += made is not None
    if not sent:
        log.info("action_item_reminder_nobody", item=item.id, owner=item.owner_id)
    return sent


def due_reminder(session: Session, config: Config, payload: ReminderPayload, now: datetime) -> None:
    """Job: the item is due soon."""
    item = _live(session, payload)
    if item is None:
        return
    subject = f"Action item due {item.due_on.isoformat()}: {item.title}"
    text = (
        f"Your action item is due on {item.due_on.isoformat()}.\n\n"
        f"{_item_line(item, now.date())}\n\n{item.description}".rstrip()
    )
    _send(session, config, item, subject, text, f"{DUE_JOB}:{item.id}:{payload['due_on']}", now)


def overdue_reminder(
    session: Session, config: Config, payload: ReminderPayload, now: datetime
) -> None:
    """Job: the item is overdue; remind, then again ``overdue_every`` later while it is."""
    item = _live(session, payload)
    if item is None:
        return
    count = payload["count"]
    late = (now.date() - item.due_on).days
    subject = f"Overdue action item ({late}d): {item.title}"
    text = (
        f"Your action item was due on {item.due_on.isoformat()} and is still open.\n\n"
        f"{_item_line(item, now.date())}\n\nDone? Mark it done in warroom or close its "
        "tracker issue. Not going to happen? Cancel it with a reason, or move the due date."
    )
    _send(
        session,
        config,
        item,
        subject,
        text,
        f"{OVERDUE_JOB}:{item.id}:{payload['due_on']}:{count}",
        now,
    )
    following: ReminderPayload = {
        "item_id": item.id,
        "due_on": payload["due_on"],
        "count": count + 1,
    }
    schedule(
        session,
        OVERDUE_JOB,
        now + config.action_items.overdue_every,
        now,
        dict(following),
        key=f"{OVERDUE_JOB}:{item.id}:{payload['due_on']}:{count + 1}",
    )


def digest_text(items: list[ActionItem], today: date) -> tuple[str, int, int]:
    overdue = [i for i in items if i.due_on < today]
    upcoming = [i for i in items if i.due_on >= today]
    lines = [f"Overdue ({len(overdue)}):"] + [_item_line(i, today) for i in overdue]
    lines += ["", f"Open ({len(upcoming)}):"] + [_item_line(i, today) for i in upcoming]
    return "\n".join(lines), len(overdue), len(upcoming)


def week_digest_moment(config: Config, team: str, now: datetime) -> datetime:
    """This week's digest time of ``team`` (its time zone), which may be ahead of ``now``."""
    zone = _zone(config, team)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=WEEKDAYS.index(config.action_items.digest_day))
    moment = datetime.combine(day, time(config.action_items.digest_hour), tzinfo=zone)
    return moment.astimezone(ZoneInfo("UTC"))


def send_digests(session: Session, config: Config, now: datetime) -> int:
    """Each team whose digest time of this week has passed gets it once (the outbox key is
    the team and the ISO week); a team with nothing open gets none."""
    sent = 0
    for team in config.teams:
        moment = week_digest_moment(config, team.slug, now)
        if now < moment:
            continue
        addresses = [c.target for c in team.contacts if c.kind is ContactKind.EMAIL]
        if not addresses:
            continue
        items = list(
            session.scalars(
                select(ActionItem)
                .where(ActionItem.team == team.slug, ActionItem.status == ActionStatus.OPEN)
                .order_by(ActionItem.due_on, ActionItem.id)
            )
        )
        if not items:
            continue
        year, week, _ = moment.astimezone(team.zone).isocalendar()
        text, overdue, upcoming = digest_text(items, now.astimezone(team.zone).date())
        for address in addresses:
            made = enqueue(
                session,
                config,
                channel=Channel.EMAIL,
                target=address,
                purpose=Purpose.BROADCAST,
                payload={
                    "kind": "action_item_digest",
                    "subject": f"[{team.name}] Action items: {overdue} overdue, {upcoming} open",
                    "text": text,
                    "links": [{"label": "Action items", "path": f"/actions?team={team.slug}"}],
                },
                key=f"action-digest:{team.slug}:{year}-W{week:02d}:{address}",
                now=now,
            )
            sent += made is not None
    return sent


class DigestSender:
    """A worker stage: every ten minutes, the weekly digests that are due."""

    def __init__(self, every: timedelta = DIGEST_EVERY) -> None:
        self.every = every
        self._last: datetime | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live: LiveConfig, now: datetime
    ) -> int:
        if self._last is not None and now - self._last < self.every:
            return 0
        self._last = now
        with session_factory() as session:
            sent = send_digests(session, live.current, now)
            session.commit()
        return sent
