"""Reading schedules over HTTP: who is on call now and until when, shifts, people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.schedules.schedule_setup import schedule_app
from tests.support.api import Harness
from warroom.auth.models import UserRole
from warroom.db.engine import make_session_factory
from warroom.schedules.service import on_call


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with schedule_app(engine, tmp_path) as harness:
        yield harness


def error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def who(entries: list[dict[str, Any]]) -> dict[str, list[tuple[str, str | None]]]:
    return {
        entry.get("schedule", entry.get("slug")): [
            (person["username"], person["until"]) for person in entry["on_call"]
        ]
        for entry in entries
    }


def test_schedule_list_shows_who_is_on_call_now_and_until_when(api: Harness) -> None:
    listed = api.ok("GET", "/api/v1/schedules")
    assert [s["slug"] for s in listed] == ["pay-primary", "pay-backup", "pay-business", "checkout"]
    assert who(listed) == {
        # Hand-off Monday 09:00 Prague (08:00 UTC in winter) a week later.
        "pay-primary": [("alice", "2026-03-09T08:00:00Z")],
        "pay-backup": [("bob", "2026-03-09T08:00:00Z")],
        # Business hours end at 17:00 Prague.
        "pay-business": [("carol", "2026-03-02T16:00:00Z")],
        # Daily at 09:00 New York (14:00 UTC): carol since Sunday 09:00, dave from Monday 09:00.
        "checkout": [("carol", "2026-03-02T14:00:00Z")],
    }
    assert listed[0]["on_call"][0]["name"] == "Alice Novak"
    assert listed[0]["source"] == "layers"


def test_schedule_list_of_a_team(api: Harness) -> None:
    listed = api.ok("GET", "/api/v1/schedules", params={"team": "checkout"})
    assert [s["slug"] for s in listed] == ["checkout"]


def test_schedule_detail_shows_its_layers(api: Harness) -> None:
    detail = api.ok("GET", "/api/v1/schedules/pay-business")
    assert detail["timezone"] == "Europe/Prague"
    assert detail["calendar"] is None
    assert detail["layers"] == [
        {
            "name": "business",
            "participants": ["carol"],
            "start": "2026-03-02T09:00",
            "shift": "weekly",
            "restrictions": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
            ],
            "end": None,
        }
    ]


def test_unknown_schedule_is_404(api: Harness) -> None:
    response = api.get("/api/v1/schedules/nope")
    assert response.status_code == 404
    assert error(response)["field"] == "schedule"
    assert api.get("/api/v1/schedules/nope/shifts").status_code == 404


def test_shifts_in_a_range_across_the_spring_change(api: Harness) -> None:
    body = api.ok(
        "GET",
        "/api/v1/schedules/pay-primary/shifts",
        params={"from": "2026-03-23T08:00:00Z", "to": "2026-04-06T07:00:00Z"},
    )
    assert [(s["username"], s["start"], s["end"], s["layer"]) for s in body["shifts"]] == [
        # Clocks go forward on 2026-03-29: the hand-off moves from 08:00 to 07:00 UTC.
        ("bob", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "weekly"),
        ("alice", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z", "weekly"),
    ]
    assert body["timezone"] == "Europe/Prague"


def test_gaps_are_absent_from_shifts(api: Harness) -> None:
    body = api.ok(
        "GET",
        "/api/v1/schedules/pay-business/shifts",
        params={"from": "2026-03-06T00:00:00Z", "to": "2026-03-10T00:00:00Z"},
    )
    assert [(s["start"], s["end"]) for s in body["shifts"]] == [
        ("2026-03-06T08:00:00Z", "2026-03-06T16:00:00Z"),  # Friday
        ("2026-03-09T08:00:00Z", "2026-03-09T16:00:00Z"),  # Monday
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-10T00:00:00Z", "to": "2026-03-09T00:00:00Z"}, "to"),
        ({"from": "2026-03-10T00:00:00Z", "to": "2026-03-10T00:00:00Z"}, "to"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2027-01-03T00:00:00Z"}, "to"),
        ({"from": "2026-03-10T00:00:00"}, "from"),
        ({"to": "tomorrow"}, "to"),
    ],
    ids=["reversed", "empty", "longer-than-366-days", "no-zone", "not-a-time"],
)
def test_a_bad_shift_range_is_422_naming_the_field(
    api: Harness, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/v1/schedules/pay-primary/shifts", params=params)
    assert response.status_code == 422, response.text
    assert field in str(error(response).get("field")), error(response)


def test_on_call_at_an_instant_for_a_team(api: Harness) -> None:
    saturday = "2026-03-07T12:00:00Z"
    body = api.ok("GET", "/api/v1/oncall", params={"team": "payments", "at": saturday})
    assert who(body) == {
        "pay-primary": [("alice", "2026-03-09T08:00:00Z")],
        "pay-backup": [("bob", "2026-03-09T08:00:00Z")],
        "pay-business": [],  # a gap: nobody on call at the weekend
    }
    assert {entry["at"] for entry in body} == {saturday}


def test_on_call_defaults_to_now_and_all_schedules(api: Harness) -> None:
    api.clock.advance(days=7)  # Monday 2026-03-09 09:00 UTC, after the hand-off
    body = api.ok("GET", "/api/v1/oncall")
    assert who(body)["pay-primary"] == [("bob", "2026-03-16T08:00:00Z")]
    assert len(body) == 4


def test_on_call_of_an_unknown_team_is_422(api: Harness) -> None:
    response = api.get("/api/v1/oncall", params={"team": "nope"})
    assert response.status_code == 422
    assert error(response)["field"] == "team"


def test_on_call_function_agrees_with_the_api_at_a_hand_off(api: Harness) -> None:
    with make_session_factory(api.engine)() as session:
        config = api.live_config.current
        before = api.clock.now.replace(day=9, hour=7, minute=59)
        at = api.clock.now.replace(day=9, hour=8, minute=0)
        assert on_call(session, config, "pay-primary", before) == ["alice"]
        assert on_call(session, config, "pay-primary", at) == ["bob"]
        assert on_call(session, config, "pay-business", at.replace(day=7)) == []
        assert on_call(session, config, "no-such-schedule", at) == []


def test_people_are_listed_without_their_addresses(api: Harness) -> None:
    people = api.ok("GET", "/api/v1/people")
    assert people[0] == {
        "username": "alice",
        "name": "Alice Novak",
        "timezone": None,
        "contacts": ["email", "slack"],
    }
    assert "alice@example.com" not in str(people)
    assert [p["username"] for p in people] == ["alice", "bob", "carol", "dave"]


def test_reading_schedules_needs_a_token(api: Harness) -> None:
    assert api.client.get("/api/v1/schedules").status_code == 401
    viewer = api.user("vera", UserRole.VIEWER)
    assert api.get("/api/v1/schedules", token=viewer).status_code == 200
