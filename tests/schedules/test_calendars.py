"""Schedules from external iCal calendars, served by a real HTTP server or read from a file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.schedules.schedule_setup import CONFIG, MONDAY, schedule_app
from tests.support.api import Harness
from warroom.db.engine import make_session_factory
from warroom.schedules.service import on_call

# Alice by ATTENDEE every Monday-Tuesday (RRULE), bob by SUMMARY (his name, another case)
# on Wednesday, carol all day Thursday (a DATE event: midnight to midnight in Prague), and
# one event for somebody warroom does not know.
CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//on-call//EN
BEGIN:VEVENT
UID:alice-weekly@test
DTSTAMP:20260101T000000Z
DTSTART:20260302T080000Z
DTEND:20260304T080000Z
RRULE:FREQ=WEEKLY;COUNT=10
SUMMARY:Primary on call
ATTENDEE;CN=Alice:mailto:Alice@Example.com
END:VEVENT
BEGIN:VEVENT
UID:bob-wednesday@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Prague:20260304T090000
DTEND;TZID=Europe/Prague:20260305T000000
SUMMARY:bob smith
END:VEVENT
BEGIN:VEVENT
UID:carol-thursday@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260305
DTEND;VALUE=DATE:20260306
SUMMARY:carol
END:VEVENT
BEGIN:VEVENT
UID:stranger@test
DTSTAMP:20260101T000000Z
DTSTART:20260306T080000Z
DTEND:20260306T160000Z
SUMMARY:Someone Else
END:VEVENT
END:VCALENDAR
"""

LATER_CALENDAR = CALENDAR.replace("SUMMARY:carol", "SUMMARY:dave")


class CalendarServer:
    """Serves one .ics body on loopback; tests change it or make it fail."""

    def __init__(self) -> None:
        self.body = CALENDAR
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                data = server.body.encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/oncall.ics"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def config_with(source: str) -> str:
    return (
        CONFIG
        + f"""
  - slug: pay-calendar
    name: Payments from the calendar
    team: payments
    timezone: Europe/Prague
    ical: {{{source}, refresh: 10m}}
"""
    )


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    served = CalendarServer()
    yield served
    served.close()


@pytest.fixture
def api(engine: Engine, tmp_path: Path, server: CalendarServer) -> Iterator[Harness]:
    with schedule_app(engine, tmp_path, MONDAY, config_with(f"url: '{server.url}'")) as harness:
        yield harness


def who_at(api: Harness, at: str) -> list[str]:
    body = api.ok("GET", "/api/v1/oncall", params={"team": "payments", "at": at})
    return [p["username"] for e in body if e["schedule"] == "pay-calendar" for p in e["on_call"]]


def test_nothing_is_on_call_before_the_first_fetch(api: Harness) -> None:
    assert who_at(api, "2026-03-02T12:00:00Z") == []
    detail = api.ok("GET", "/api/v1/schedules/pay-calendar")
    assert detail["source"] == "ical"
    assert detail["calendar"]["fetched_at"] is None


def test_events_become_shifts_of_matching_people(api: Harness, server: CalendarServer) -> None:
    api.drain()
    assert server.requests == 1
    assert who_at(api, "2026-03-02T12:00:00Z") == ["alice"]  # by ATTENDEE, any case
    assert who_at(api, "2026-03-10T12:00:00Z") == ["alice"]  # the RRULE's second week
    assert who_at(api, "2026-03-04T12:00:00Z") == ["bob"]  # by SUMMARY = name, any case
    assert who_at(api, "2026-03-04T07:30:00Z") == ["alice"]
    assert who_at(api, "2026-03-06T12:00:00Z") == []  # the unknown person's event


def test_an_all_day_event_runs_midnight_to_midnight_in_the_schedule_zone(
    api: Harness,
) -> None:
    api.drain()
    body = api.ok(
        "GET",
        "/api/v1/schedules/pay-calendar/shifts",
        params={"from": "2026-03-04T23:00:00Z", "to": "2026-03-06T12:00:00Z"},
    )
    assert [(s["username"], s["start"], s["end"]) for s in body["shifts"]] == [
        ("carol", "2026-03-04T23:00:00Z", "2026-03-05T23:00:00Z"),
    ]
    assert body["unmatched_events"] == 1


def test_unmatched_events_are_counted(api: Harness) -> None:
    api.drain()
    calendar = api.ok("GET", "/api/v1/schedules/pay-calendar")["calendar"]
    assert calendar["unmatched_events"] == 1
    assert calendar["kind"] == "url"
    assert calendar["fetched_at"] == "2026-03-02T09:00:00Z"
    assert calendar["last_error"] is None


def test_the_calendar_is_fetched_again_after_refresh(api: Harness, server: CalendarServer) -> None:
    api.drain()
    server.body = LATER_CALENDAR
    api.clock.advance(minutes=9)
    api.drain()
    assert server.requests == 1
    assert who_at(api, "2026-03-05T12:00:00Z") == ["carol"]
    api.clock.advance(minutes=1)
    api.drain()
    assert server.requests == 2
    assert who_at(api, "2026-03-05T12:00:00Z") == ["dave"]


def test_a_failed_fetch_keeps_the_last_copy_and_says_why(
    api: Harness, server: CalendarServer
) -> None:
    api.drain()
    server.status = 500
    api.clock.advance(minutes=10)
    api.drain()
    assert server.requests == 2
    calendar = api.ok("GET", "/api/v1/schedules/pay-calendar")["calendar"]
    assert "HTTP 500" in calendar["last_error"]
    assert calendar["fetched_at"] == "2026-03-02T09:00:00Z"
    assert who_at(api, "2026-03-02T12:00:00Z") == ["alice"]
    # A failure is retried after a minute, not after the whole refresh.
    server.status = 200
    api.clock.advance(minutes=1)
    api.drain()
    assert server.requests == 3
    assert api.ok("GET", "/api/v1/schedules/pay-calendar")["calendar"]["last_error"] is None


def test_a_calendar_that_does_not_parse_is_an_error_not_a_copy(
    api: Harness, server: CalendarServer
) -> None:
    server.body = "this is not a calendar"
    api.drain()
    calendar = api.ok("GET", "/api/v1/schedules/pay-calendar")["calendar"]
    assert calendar["last_error"] is not None
    assert calendar["fetched_at"] is None


def test_a_calendar_from_a_file(engine: Engine, tmp_path: Path) -> None:
    ics = tmp_path / "oncall.ics"
    ics.write_text(CALENDAR)
    with schedule_app(engine, tmp_path, MONDAY, config_with(f"file: '{ics}'")) as api:
        api.drain()
        assert who_at(api, "2026-03-04T12:00:00Z") == ["bob"]
        assert api.ok("GET", "/api/v1/schedules/pay-calendar")["calendar"]["kind"] == "file"
        with make_session_factory(api.engine)() as session:
            at = MONDAY.replace(day=5, hour=12)
            assert on_call(session, api.live_config.current, "pay-calendar", at) == ["carol"]


def test_overrides_win_over_a_calendar(api: Harness) -> None:
    api.drain()
    api.ok(
        "POST",
        "/api/v1/schedules/pay-calendar/overrides",
        json={
            "user": "dave",
            "replaces": "alice",
            "start": "2026-03-02T10:00:00Z",
            "end": "2026-03-02T14:00:00Z",
        },
    )
    assert who_at(api, "2026-03-02T12:00:00Z") == ["dave"]
    assert who_at(api, "2026-03-02T15:00:00Z") == ["alice"]
