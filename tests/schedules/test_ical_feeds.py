"""Subscribable iCal feeds of a schedule and of a person, behind signed URLs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import Engine

from tests.schedules.schedule_setup import schedule_app
from tests.support.api import Harness
from warroom.schedules import ical

PUBLIC_URL = "https://warroom.example.com/"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with schedule_app(engine, tmp_path, public_url=PUBLIC_URL) as harness:
        yield harness


def feed_path(api: Harness, what: str) -> str:
    url = api.ok("GET", f"/api/v1/{what}/feed-url")["url"]
    assert isinstance(url, str)
    assert url.startswith("https://warroom.example.com/ical/")
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def events(body: bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def spans(found: list[Any]) -> list[tuple[str, datetime, datetime]]:
    return [(str(e["SUMMARY"]), e["DTSTART"].dt, e["DTEND"].dt) for e in found]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_schedule_feed_lists_shifts_from_30_days_back_to_90_ahead(api: Harness) -> None:
    path = feed_path(api, "schedules/pay-primary")
    response = api.client.get(path)  # no bearer token: the link is the credential
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    found = events(response.content)
    assert b"DTSTART:20260302T080000Z" in response.content
    assert (
        "Alice Novak on call (Payments primary)",
        utc(2026, 3, 2, 8),
        utc(2026, 3, 9, 8),
    ) in spans(found)
    assert min(e["DTSTART"].dt for e in found) == utc(2026, 3, 2, 8)  # the rotation's start
    api.clock.advance(days=60)  # 2026-05-01 09:00 UTC
    found = events(api.client.get(path).content)
    starts = [e["DTSTART"].dt for e in found]
    assert min(starts) == utc(2026, 4, 1)  # 30 days before today's UTC midnight
    assert max(e["DTEND"].dt for e in found) == utc(2026, 7, 30)  # 90 days after it
    assert all(start.utcoffset().total_seconds() == 0 for start in starts)


def test_schedule_feed_has_stable_uids(api: Harness) -> None:
    path = feed_path(api, "schedules/pay-primary")
    first = {str(e["UID"]) for e in events(api.client.get(path).content)}
    api.clock.advance(hours=5)
    second = {str(e["UID"]) for e in events(api.client.get(path).content)}
    assert first == second
    assert len(first) == len(events(api.client.get(path).content))


def test_schedule_feed_shows_overrides(api: Harness) -> None:
    api.ok(
        "POST",
        "/api/v1/schedules/pay-primary/overrides",
        json={"user": "carol", "start": "2026-03-03T08:00:00Z", "end": "2026-03-04T08:00:00Z"},
    )
    found = spans(events(api.client.get(feed_path(api, "schedules/pay-primary")).content))
    assert (
        "Carol Lead on call (Payments primary)",
        utc(2026, 3, 3, 8),
        utc(2026, 3, 4, 8),
    ) in found


def test_person_feed_has_only_their_shifts_across_schedules(api: Harness) -> None:
    found = spans(events(api.client.get(feed_path(api, "people/alice")).content))
    assert ("On call: Payments primary", utc(2026, 3, 2, 8), utc(2026, 3, 9, 8)) in found
    assert ("On call: Payments backup", utc(2026, 3, 9, 8), utc(2026, 3, 16, 8)) in found
    assert {summary for summary, _start, _end in found} == {
        "On call: Payments primary",
        "On call: Payments backup",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/ical/schedules/pay-primary.ics?token=garbage",
        "/ical/schedules/pay-primary.ics",
        "/ical/people/alice.ics?token=garbage.x",
    ],
)
def test_a_bad_token_is_404(api: Harness, path: str) -> None:
    assert api.client.get(path).status_code == 404


def test_a_token_opens_only_its_own_feed(api: Harness) -> None:
    token = feed_path(api, "schedules/pay-primary").split("token=")[1]
    assert api.client.get(f"/ical/schedules/pay-backup.ics?token={token}").status_code == 404
    assert api.client.get(f"/ical/people/alice.ics?token={token}").status_code == 404
    person = feed_path(api, "people/alice").split("token=")[1]
    assert api.client.get(f"/ical/people/bob.ics?token={person}").status_code == 404
    assert api.client.get(f"/ical/people/alice.ics?token={person}").status_code == 200


def test_a_token_made_with_another_key_is_404(api: Harness) -> None:
    forged = ical.feed_token(b"another key", schedule="pay-primary")
    assert api.client.get(f"/ical/schedules/pay-primary.ics?token={forged}").status_code == 404
    genuine = feed_path(api, "schedules/pay-primary")
    assert api.client.get(genuine).status_code == 200


def test_feed_urls_need_a_login_and_a_known_subject(api: Harness) -> None:
    assert api.client.get("/api/v1/schedules/pay-primary/feed-url").status_code == 401
    assert api.get("/api/v1/schedules/nope/feed-url").status_code == 404
    assert api.get("/api/v1/people/zed/feed-url").status_code == 404
