"""Response windows: the next opening of a team's hours, right across weekends and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from warroom.config import ResponseWindow, Team
from warroom.escalation.windows import describe_local, first_instant_at, next_opening

R = ResponseWindow


def team(timezone: str, **hours: Any) -> Team:
    return Team.model_validate({"slug": "t", "name": "T", "timezone": timezone, **hours})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_the_window_the_page_goes_now() -> None:
    prague = team("Europe/Prague")
    tuesday_ten = utc(2026, 3, 3, 9, 0)  # 10:00 CET
    assert next_opening(prague, R.WORKING_HOURS, tuesday_ten) == tuesday_ten
    assert next_opening(prague, R.ALWAYS, utc(2026, 3, 7, 3, 0)) == utc(2026, 3, 7, 3, 0)


def test_working_hours_skip_the_weekend() -> None:
    prague = team("Europe/Prague")
    friday_evening = utc(2026, 3, 6, 17, 30)  # Fri 18:30 CET
    assert next_opening(prague, R.WORKING_HOURS, friday_evening) == utc(2026, 3, 9, 8, 0)
    assert describe_local(prague, utc(2026, 3, 9, 8, 0)) == "Mon 2026-03-09 09:00 CET"


def test_extended_hours_include_the_weekend() -> None:
    prague = team("Europe/Prague")
    saturday_night = utc(2026, 3, 7, 22, 0)  # Sat 23:00 CET
    assert next_opening(prague, R.EXTENDED_HOURS, saturday_night) == utc(2026, 3, 8, 7, 0)


def test_before_the_window_on_a_working_day_it_opens_the_same_day() -> None:
    new_york = team("America/New_York")
    early = utc(2026, 3, 3, 11, 0)  # Tue 06:00 EST
    assert next_opening(new_york, R.WORKING_HOURS, early) == utc(2026, 3, 3, 14, 0)


@pytest.mark.parametrize(
    ("zone", "after", "response", "opening"),
    [
        # Prague springs forward on Sunday 2026-03-29: the Monday opening is 07:00 UTC, not 08:00.
        ("Europe/Prague", utc(2026, 3, 27, 19, 0), R.WORKING_HOURS, utc(2026, 3, 30, 7, 0)),
        # Saturday 23:00 CET -> Sunday 08:00 CEST: a night an hour shorter.
        ("Europe/Prague", utc(2026, 3, 28, 22, 0), R.EXTENDED_HOURS, utc(2026, 3, 29, 6, 0)),
        # Prague falls back on Sunday 2026-10-25: Sunday 08:00 CET is 07:00 UTC.
        ("Europe/Prague", utc(2026, 10, 24, 20, 30), R.EXTENDED_HOURS, utc(2026, 10, 25, 7, 0)),
        ("Europe/Prague", utc(2026, 10, 23, 16, 0), R.WORKING_HOURS, utc(2026, 10, 26, 8, 0)),
        # New York springs forward on Sunday 2026-03-08 and falls back on 2026-11-01.
        ("America/New_York", utc(2026, 3, 8, 4, 0), R.EXTENDED_HOURS, utc(2026, 3, 8, 12, 0)),
        ("America/New_York", utc(2026, 3, 6, 23, 0), R.WORKING_HOURS, utc(2026, 3, 9, 13, 0)),
        ("America/New_York", utc(2026, 11, 1, 3, 0), R.EXTENDED_HOURS, utc(2026, 11, 1, 13, 0)),
        ("America/New_York", utc(2026, 10, 30, 22, 0), R.WORKING_HOURS, utc(2026, 11, 2, 14, 0)),
    ],
)
def test_openings_keep_the_wall_clock_time_across_dst(
    zone: str, after: datetime, response: ResponseWindow, opening: datetime
) -> None:
    got = next_opening(team(zone), response, after)
    assert got == opening
    local_start = "09:00" if response is R.WORKING_HOURS else "08:00"
    assert got.astimezone(team(zone).zone).strftime("%H:%M") == local_start


def test_a_window_starting_in_the_spring_gap_opens_when_the_clocks_jump() -> None:
    night = team(
        "Europe/Prague", extended_hours={"days": ["sun"], "start": "02:30", "end": "05:00"}
    )
    # 02:30 does not exist on 2026-03-29; clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC.
    assert next_opening(night, R.EXTENDED_HOURS, utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 0)


def test_a_window_starting_in_the_repeated_autumn_hour_opens_at_its_first_occurrence() -> None:
    zone = team("Europe/Prague").zone
    # 02:30 happens twice on 2026-10-25: first at 00:30 UTC (CEST), then 01:30 UTC (CET).
    assert first_instant_at(date(2026, 10, 25), time(2, 30), zone) == utc(2026, 10, 25, 0, 30)


def test_none_never_opens() -> None:
    with pytest.raises(ValueError, match="no window"):
        next_opening(team("UTC"), R.NONE, utc(2026, 3, 3, 9, 0))
