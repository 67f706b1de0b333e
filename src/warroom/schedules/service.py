"""The rendered schedule: layers (or an external calendar) with runtime overrides on top.

``shifts`` is the one place that answers "who is on call when"; ``on_call`` asks it about an
instant. Escalation, the API, the iCal feeds and the CLI all read through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.schedules import Schedule
from warroom.schedules import calendars, overrides
from warroom.schedules.rotation import Piece, join_adjacent, layer_pieces, merge_layers


@dataclass(frozen=True)
class Shift:
    username: str
    start: datetime
    """Aware UTC."""
    end: datetime
    layer: str | None
    """Layer name, or None for an override or a calendar event."""
    override_id: int | None


def base_pieces(
    session: Session, config: Config, schedule: Schedule, start: datetime, end: datetime
) -> list[Piece]:
    """The schedule without overrides: its layers merged, or its calendar's events."""
    if schedule.ical is not None:
        return calendars.calendar_pieces(session, config, schedule, start, end)
    zone = schedule.zone
    return merge_layers([layer_pieces(layer, zone, start, end) for layer in schedule.layers])


def shifts(
    session: Session, config: Config, schedule: Schedule, start: datetime, end: datetime
) -> list[Shift]:
    """The final rendered schedule between start and end: layers merged (a later layer wins
    where it has someone), overrides applied, consecutive pieces; gaps are simply absent."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return []
    pieces = base_pieces(session, config, schedule, start, end)
    active = overrides.active_overrides(session, schedule.slug, start, end)
    pieces = overrides.apply_overrides(pieces, active, start, end)
    return [
        Shift(piece.username, piece.start, piece.end, piece.layer, piece.override_id)
        for piece in join_adjacent(pieces)
    ]


def on_call(session: Session, config: Config, schedule_slug: str, at: datetime) -> list[str]:
    """Usernames on call at the instant ``at`` (empty list = a gap)."""
    schedule = config.schedule(schedule_slug)
    if schedule is None:
        return []
    found = shifts(session, config, schedule, at, at + timedelta(seconds=1))
    usernames: list[str] = []
    for shift in found:
        if shift.start <= at < shift.end and shift.username not in usernames:
            usernames.append(shift.username)
    return usernames


LOOKAHEAD = timedelta(days=35)
"""How far ``on_call_until`` looks for the end of a shift."""


def on_call_until(
    session: Session, config: Config, schedule: Schedule, at: datetime
) -> list[tuple[str, datetime | None]]:
    """Who is on call at ``at`` and until when they stay on call without a break (None: past
    the lookahead)."""
    at = as_utc(at)
    horizon = at + LOOKAHEAD
    found = shifts(session, config, schedule, at, horizon)
    result: list[tuple[str, datetime | None]] = []
    for username in dict.fromkeys(s.username for s in found if s.start <= at < s.end):
        until = at
        for shift in found:
            if shift.username == username and shift.start <= until < shift.end:
                until = shift.end
        result.append((username, None if until >= horizon else until))
    return result
