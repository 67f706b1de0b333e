"""Response windows: when a team is expected to answer a page of a severity.

A severity's ``response`` (always, extended_hours, working_hours, none) is read against the
owning team's weekly hours in the team's time zone. A page outside the window waits for the
window's next opening, computed in wall-clock time so it is right across DST changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.config import ResponseWindow, Team
from warroom.config.hours import WEEKDAYS, HoursWindow

SEARCH_DAYS = 8
"""A weekly window opens within a week; one more day covers the day we start on."""

RESPONSE_WORDS = {
    ResponseWindow.ALWAYS: "around the clock",
    ResponseWindow.EXTENDED_HOURS: "in extended hours",
    ResponseWindow.WORKING_HOURS: "in working hours",
    ResponseWindow.NONE: "without paging",
}


def window_of(team: Team, response: ResponseWindow) -> HoursWindow | None:
    """The team's hours for ``response``; None for always and none (no weekly window)."""
    if response is ResponseWindow.EXTENDED_HOURS:
        return team.extended_hours
    if response is ResponseWindow.WORKING_HOURS:
        return team.working_hours
    return None


def first_instant_at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clocks in ``zone`` show ``wall`` on ``day`` or
    have passed it: the earlier of two occurrences when clocks go back, the moment of the
    jump when ``wall`` does not exist because clocks go forward."""
    local = datetime.combine(day, wall)
    earlier = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    later = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if earlier <= later:
        return earlier
    # A gap: ``later`` is before the jump (local time still short of ``wall``), ``earlier``
    # after it. Find the jump to the second.
    low, high = later, earlier
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= local:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def next_opening(team: Team, response: ResponseWindow, after: datetime) -> datetime:
    """``after`` itself when the team responds then, else the next instant its window for
    ``response`` opens (UTC). ``none`` never opens: ValueError."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if team.responds_at(response, after):
        return after.astimezone(UTC)
    window = window_of(team, response)
    if window is None:
        raise ValueError(f"response {response.value} has no window that opens")
    zone = team.zone
    today = after.astimezone(zone).date()
    for offset in range(SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        opening = first_instant_at(day, window.start, zone)
        if opening > after:
            return opening
    raise AssertionError("a weekly window with at least one day opens within eight days")


def describe_local(team: Team, moment: datetime) -> str:
    """``Mon 2026-03-09 09:00 CET``: an instant as the team reads it."""
    return moment.astimezone(team.zone).strftime("%a %Y-%m-%d %H:%M %Z")
