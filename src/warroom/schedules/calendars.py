"""External calendars: a schedule whose shifts are the events of an iCal calendar.

A worker stage (``CalendarRefresher``) fetches each calendar (URL or file) into the
``calendar_cache`` table every ``refresh``; reading a schedule never waits on the network.
Each event, recurring ones expanded, is a shift of the person whose email contact is one of
its ATTENDEEs, or else whose username or name is its SUMMARY (case-insensitive). All-day
events run from midnight to midnight in the schedule's zone. Events that match nobody are
left out and counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import Config, LiveConfig
from warroom.config.people import Person, PersonContactKind
from warroom.config.schedules import ICalSource, Schedule
from warroom.schedules.models import CalendarCache
from warroom.schedules.rotation import Piece, localize

log = structlog.get_logger("warroom.schedules.calendars")

FETCH_TIMEOUT_SECONDS = 10.0
MAX_CALENDAR_BYTES = 10 * 1024 * 1024
RETRY_AFTER_FAILURE = timedelta(minutes=1)


@dataclass(frozen=True)
class CalendarShifts:
    pieces: list[Piece]
    unmatched: int
    """Events in the range that match no configured person."""


class CalendarError(Exception):
    """The calendar could not be fetched or parsed."""


def parse(content: str) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as exc:
        raise CalendarError(f"not an iCalendar file: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarError("not an iCalendar file: no VCALENDAR")
    return calendar


_PARSED: dict[tuple[str, str], icalendar.Calendar] = {}


def _parsed(schedule: str, content: str) -> icalendar.Calendar:
    """Parsing is the slow part; keep the last parse of each schedule's calendar."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    key = (schedule, digest)
    calendar = _PARSED.get(key)
    if calendar is None:
        calendar = parse(content)
        for stale in [k for k in _PARSED if k[0] == schedule]:
            del _PARSED[stale]
        _PARSED[key] = calendar
    return calendar


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: read in the schedule's zone
            return localize(value, zone)
        return value.astimezone(UTC)
    return localize(datetime(value.year, value.month, value.day), zone)


def _event_span(event: Any, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        return None
    start_value = start_prop.dt
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end_value = end_prop.dt
    elif event.get("DURATION") is not None:
        end_value = start_value + event.get("DURATION").dt
    elif isinstance(start_value, datetime):
        return None  # an instant, not a shift
    else:
        end_value = start_value + timedelta(days=1)
    start, end = _instant(start_value, zone), _instant(end_value, zone)
    return (start, end) if start < end else None


def match_people(event: Any, people: Sequence[Person]) -> list[str]:
    """Usernames of the people an event is for: by ATTENDEE email, else by SUMMARY."""
    attendees = event.get("ATTENDEE")
    if attendees is None:
        attendees = []
    elif not isinstance(attendees, list):
        attendees = [attendees]
    emails = {
        str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()
        for attendee in attendees
    }
    matched = [
        person.username
        for person in people
        if (contact := person.contact(PersonContactKind.EMAIL)) is not None
        and contact.target.lower() in emails
    ]
    if matched:
        return matched
    summary = str(event.get("SUMMARY", "")).strip().lower()
    return [
        person.username
        for person in people
        if summary and summary in (person.username.lower(), person.name.lower())
    ]


def events_to_pieces(
    calendar: icalendar.Calendar,
    people: Sequence[Person],
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> CalendarShifts:
    pieces: list[Piece] = []
    unmatched = 0
    for event in recurring_ical_events.of(calendar).between(start, end):
        span = _event_span(event, zone)
        if span is None:
            continue
        event_start, event_end = max(span[0], start), min(span[1], end)
        if event_start >= event_end:
            continue
        usernames = match_people(event, people)
        if not usernames:
            unmatched += 1
            continue
        pieces += [Piece(username, event_start, event_end) for username in usernames]
    pieces.sort(key=lambda p: (p.start, p.end, p.username))
    return CalendarShifts(pieces, unmatched)


def calendar_shifts(
    session: Session, config: Config, schedule: Schedule, start: datetime, end: datetime
) -> CalendarShifts:
    """The calendar's shifts from the last fetched copy (none before the first fetch)."""
    cached = session.get(CalendarCache, schedule.slug)
    if cached is None or not cached.content:
        return CalendarShifts([], 0)
    try:
        calendar = _parsed(schedule.slug, cached.content)
    except CalendarError:
        return CalendarShifts([], 0)
    result = events_to_pieces(calendar, config.people, schedule.zone, start, end)
    if result.unmatched:
        log.info("calendar_events_unmatched", schedule=schedule.slug, count=result.unmatched)
    return result


def calendar_pieces(
    session: Session, config: Config, schedule: Schedule, start: datetime, end: datetime
) -> list[Piece]:
    return calendar_shifts(session, config, schedule, start, end).pieces


def fetch(source: ICalSource) -> str:
    """The calendar's text, checked to parse; raises CalendarError."""
    if source.file is not None:
        path = source.file
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarError(f"cannot read {path}: {exc}") from exc
    else:
        assert source.url is not None
        try:
            response = httpx.get(source.url, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise CalendarError(f"cannot fetch {source.url}: {exc}") from exc
        if response.status_code != 200:
            raise CalendarError(f"fetching {source.url} answered HTTP {response.status_code}")
        if len(response.content) > MAX_CALENDAR_BYTES:
            raise CalendarError(f"{source.url} is larger than {MAX_CALENDAR_BYTES} bytes")
        content = response.text
    parse(content)
    return content


def is_due(cached: CalendarCache | None, source: ICalSource, now: datetime) -> bool:
    if cached is None:
        return True
    last = cached.last_attempt_at or cached.fetched_at
    wait = RETRY_AFTER_FAILURE if cached.last_error else source.refresh
    return now >= last + min(wait, source.refresh)


def refresh_calendar(session: Session, schedule: Schedule, now: datetime) -> bool:
    """Fetch the schedule's calendar into the cache; True when it worked. The caller commits."""
    assert schedule.ical is not None
    cached = session.get(CalendarCache, schedule.slug)
    try:
        content = fetch(schedule.ical)
    except CalendarError as exc:
        log.warning("calendar_fetch_failed", schedule=schedule.slug, error=str(exc))
        if cached is None:
            cached = CalendarCache(schedule=schedule.slug, content="", fetched_at=now)
            session.add(cached)
        cached.last_error = str(exc)
        cached.last_attempt_at = now
        return False
    if cached is None:
        session.add(
            CalendarCache(
                schedule=schedule.slug,
                content=content,
                fetched_at=now,
                last_error=None,
                last_attempt_at=now,
            )
        )
    else:
        cached.content = content
        cached.fetched_at = now
        cached.last_error = None
        cached.last_attempt_at = now
    log.info("calendar_fetched", schedule=schedule.slug, size=len(content))
    return True


class CalendarRefresher:
    """Worker stage: fetch the external calendars that are due."""

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        config = live_config.current
        done = 0
        for schedule in config.schedules:
            if schedule.ical is None:
                continue
            with session_factory() as session:
                if not is_due(session.get(CalendarCache, schedule.slug), schedule.ical, now):
                    continue
                refresh_calendar(session, schedule, now)
                try:
                    session.commit()
                except IntegrityError:  # another worker stored its first copy first
                    session.rollback()
                    continue
                done += 1
        return done
