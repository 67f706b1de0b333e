"""Subscribable iCal feeds of shifts: one per schedule, one per person.

A feed URL carries a signed token (purpose ``ical``, no expiry) naming the schedule or the
person, so calendar apps can subscribe without a login. A feed covers 30 days back to 90
days ahead; each shift has a UID made of the schedule, the person and its start, so a
calendar app updates an event in place when the shift's end moves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from sqlalchemy.orm import Session

from warroom.auth.signing import BadSignature, sign, signing_key, verify
from warroom.config import Config
from warroom.config.schedules import Schedule
from warroom.schedules.service import Shift, shifts

FEED_PURPOSE = "ical"
FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=90)
PRODUCT_ID = "-//warroom//on-call schedules//EN"


class FeedNotFound(Exception):
    """Bad token, or the schedule or person it names is gone."""


def feed_token(key: bytes, *, schedule: str | None = None, person: str | None = None) -> str:
    data = {"schedule": schedule} if schedule is not None else {"person": person}
    return sign(key, FEED_PURPOSE, data, None)


def schedule_feed_url(public_url: str, key: bytes, slug: str) -> str:
    return (
        f"{public_url.rstrip('/')}/ical/schedules/{slug}.ics?token={feed_token(key, schedule=slug)}"
    )


def person_feed_url(public_url: str, key: bytes, username: str) -> str:
    token = feed_token(key, person=username)
    return f"{public_url.rstrip('/')}/ical/people/{username}.ics?token={token}"


def check_token(
    session: Session, settings_key: str | None, token: str, now: datetime
) -> dict[str, str]:
    try:
        data = verify(signing_key(session, now, settings_key), FEED_PURPOSE, token, now)
    except BadSignature as exc:
        raise FeedNotFound(str(exc)) from exc
    return {str(k): str(v) for k, v in data.items()}


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """From 30 days back (at a UTC midnight, so the first event only moves once a day) to 90
    days ahead."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - FEED_PAST, midnight + FEED_FUTURE


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(schedule: Schedule, shift: Shift, summary: str, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    stamp = shift.start.strftime("%Y%m%dT%H%M%SZ")
    event.add("uid", f"{schedule.slug}-{shift.username}-{stamp}@warroom")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("summary", summary)
    source = f"override {shift.override_id}" if shift.override_id else shift.layer or "calendar"
    event.add("description", f"Schedule {schedule.name} ({schedule.slug}), {source}")
    return event


def _display(config: Config, username: str) -> str:
    person = config.person(username)
    return person.name if person is not None else username


def schedule_feed(session: Session, config: Config, schedule: Schedule, now: datetime) -> bytes:
    calendar = _calendar(f"On call: {schedule.name}")
    start, end = feed_window(now)
    for shift in shifts(session, config, schedule, start, end):
        summary = f"{_display(config, shift.username)} on call ({schedule.name})"
        calendar.add_component(_event(schedule, shift, summary, now))
    return bytes(calendar.to_ical())


def person_feed(session: Session, config: Config, username: str, now: datetime) -> bytes:
    calendar = _calendar(f"On call: {_display(config, username)}")
    start, end = feed_window(now)
    # Every schedule: overrides and calendars can put anyone on any schedule.
    for schedule in config.schedules:
        for shift in shifts(session, config, schedule, start, end):
            if shift.username == username:
                summary = f"On call: {schedule.name}"
                calendar.add_component(_event(schedule, shift, summary, now))
    return bytes(calendar.to_ical())
