"""`warroom config check` warns about stretches of the next four weeks with nobody on call."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.schedules.schedule_setup import CONFIG
from warroom.config.loader import parse_config
from warroom.schedules.gaps import schedule_gap_warnings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday

WEEKDAYS_ONLY = """
organization: {name: Gaps}
teams:
  - slug: payments
    name: Payments
    timezone: Europe/London
    contacts: [{kind: email, target: p@example.com}]
people:
  - {username: alice, name: Alice}
  - {username: bob, name: Bob}
schedules:
  - slug: payments-primary
    name: Payments primary
    team: payments
    timezone: Europe/London
    layers:
      - name: weekdays
        participants: [alice, bob]
        start: "2026-11-02T09:00"
        shift: daily
        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
      - name: weekday-nights
        participants: [bob]
        start: "2026-11-02T09:00"
        restrictions:
          - {days: [mon, tue, wed, thu], start: "17:00", end: "24:00"}
          - {days: [tue, wed, thu, fri], start: "00:00", end: "09:00"}
"""


def schedule_warnings(text: str, now: datetime = NOW) -> list[str]:
    return schedule_gap_warnings(parse_config(text), now)


def test_a_schedule_that_always_has_someone_has_no_warning() -> None:
    always = CONFIG.split("  - slug: pay-business")[0]  # pay-primary and pay-backup only
    assert schedule_warnings(always) == []


def test_gaps_are_reported_in_the_schedule_zone() -> None:
    # Weekdays and weekday nights are covered; each weekend is a gap.
    assert schedule_warnings(WEEKDAYS_ONLY) == [
        "schedule 'payments-primary' has nobody on call 2026-12-04 17:00 - 2026-12-07 09:00 "
        "(Europe/London)",
        "schedule 'payments-primary' has nobody on call 2026-12-11 17:00 - 2026-12-14 09:00 "
        "(Europe/London)",
        "schedule 'payments-primary' has nobody on call 2026-12-18 17:00 - 2026-12-21 09:00 "
        "(Europe/London)",
        "schedule 'payments-primary' has 1 more gaps in the next 4 weeks (see warroom oncall "
        "show); add a layer or widen restrictions to cover them",
    ]


def test_now_decides_which_four_weeks_are_checked() -> None:
    # From Saturday noon, the first gap starts now and ends on Monday morning.
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert schedule_warnings(WEEKDAYS_ONLY, now=saturday)[0] == (
        "schedule 'payments-primary' has nobody on call 2026-12-05 12:00 - 2026-12-07 09:00 "
        "(Europe/London)"
    )


def test_a_layer_that_starts_later_leaves_a_gap_until_it_starts() -> None:
    later = (
        WEEKDAYS_ONLY.split("      - name: weekdays", maxsplit=1)[0]
        + """      - name: all-week
        participants: [alice]
        start: "2026-12-10T09:00"
"""
    )
    assert schedule_warnings(later) == [
        "schedule 'payments-primary' has nobody on call 2026-12-01 12:00 - 2026-12-10 09:00 "
        "(Europe/London)"
    ]


def test_a_layer_that_ends_leaves_a_gap_after_its_end() -> None:
    ending = (
        WEEKDAYS_ONLY.split("      - name: weekdays", maxsplit=1)[0]
        + """      - name: all-week
        participants: [alice]
        start: "2026-11-02T09:00"
        end: "2026-12-20T09:00"
"""
    )
    assert schedule_warnings(ending) == [
        "schedule 'payments-primary' has nobody on call 2026-12-20 09:00 - 2026-12-29 12:00 "
        "(Europe/London)"
    ]


def test_calendar_schedules_are_not_checked() -> None:
    calendar = (
        WEEKDAYS_ONLY.split("    layers:", maxsplit=1)[0]
        + "    ical: {url: 'http://127.0.0.1:9/x.ics'}\n"
    )
    assert schedule_warnings(calendar) == []


def test_a_restriction_can_end_at_midnight() -> None:
    nights = WEEKDAYS_ONLY.replace('start: "17:00", end: "24:00"', 'start: "17:00", end: "23:59"')
    assert schedule_warnings(nights)[0] == (
        "schedule 'payments-primary' has nobody on call 2026-12-01 23:59 - 2026-12-02 00:00 "
        "(Europe/London)"
    )
