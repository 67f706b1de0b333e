"""Overrides: cover a whole window, replace one person, swap, cancel; validation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.schedules.schedule_setup import schedule_app
from tests.support.api import Harness
from warroom.auth import service as auth_service
from warroom.auth.models import TeamMembership, UserRole
from warroom.db.engine import make_session_factory
from warroom.schedules.models import ScheduleOverride
from warroom.schedules.service import on_call

OVERRIDES = "/api/v1/schedules/pay-primary/overrides"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with schedule_app(engine, tmp_path) as harness:
        yield harness


def override(api: Harness, slug: str = "pay-primary", **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("POST", f"/api/v1/schedules/{slug}/overrides", json=body)
    return result


def shifts(api: Harness, slug: str, start: str, end: str) -> list[tuple[str, str, str, Any]]:
    body = api.ok("GET", f"/api/v1/schedules/{slug}/shifts", params={"from": start, "to": end})
    return [(s["username"], s["start"], s["end"], s["override_id"]) for s in body["shifts"]]


def on_call_at(api: Harness, slug: str, at: str) -> list[str]:
    body = api.ok("GET", "/api/v1/oncall", params={"at": at})
    return [p["username"] for e in body if e["schedule"] == slug for p in e["on_call"]]


def test_an_override_without_replaces_covers_the_whole_window(api: Harness) -> None:
    made = override(
        api,
        user="carol",
        start="2026-03-03T12:00:00Z",
        end="2026-03-03T18:00:00Z",
        reason="alice at the dentist",
    )
    assert made["user"] == "carol" and made["replaces"] is None
    assert made["created_by"] == "admin"
    assert shifts(api, "pay-primary", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z") == [
        ("alice", "2026-03-03T00:00:00Z", "2026-03-03T12:00:00Z", None),
        ("carol", "2026-03-03T12:00:00Z", "2026-03-03T18:00:00Z", made["id"]),
        ("alice", "2026-03-03T18:00:00Z", "2026-03-04T00:00:00Z", None),
    ]


def test_an_override_without_replaces_fills_a_gap(api: Harness) -> None:
    # Nobody is on the business-hours schedule at the weekend; dave covers Saturday.
    assert on_call_at(api, "pay-business", "2026-03-07T10:00:00Z") == []
    override(
        api, "pay-business", user="dave", start="2026-03-07T08:00:00Z", end="2026-03-07T16:00:00Z"
    )
    assert on_call_at(api, "pay-business", "2026-03-07T10:00:00Z") == ["dave"]


def test_replaces_covers_only_where_that_person_is_on_call(api: Harness) -> None:
    # Two weeks: alice then bob. Carol replaces alice over both; bob's week stays his.
    made = override(
        api,
        user="carol",
        replaces="alice",
        start="2026-03-02T08:00:00Z",
        end="2026-03-16T08:00:00Z",
    )
    assert shifts(api, "pay-primary", "2026-03-02T08:00:00Z", "2026-03-16T08:00:00Z") == [
        ("carol", "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z", made["id"]),
        ("bob", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z", None),
    ]
    # pay-backup has alice on call in the second week; the override is for pay-primary only.
    assert on_call_at(api, "pay-backup", "2026-03-10T12:00:00Z") == ["alice"]


def test_a_swap_is_two_overrides(api: Harness) -> None:
    # alice and bob swap Wednesday (alice's week) for Thursday the following week (bob's).
    wednesday = ("2026-03-04T08:00:00Z", "2026-03-05T08:00:00Z")
    thursday = ("2026-03-12T08:00:00Z", "2026-03-13T08:00:00Z")
    override(api, user="bob", replaces="alice", start=wednesday[0], end=wednesday[1])
    override(api, user="alice", replaces="bob", start=thursday[0], end=thursday[1])
    assert on_call_at(api, "pay-primary", "2026-03-04T12:00:00Z") == ["bob"]
    assert on_call_at(api, "pay-primary", "2026-03-05T12:00:00Z") == ["alice"]
    assert on_call_at(api, "pay-primary", "2026-03-12T12:00:00Z") == ["alice"]
    assert on_call_at(api, "pay-primary", "2026-03-13T12:00:00Z") == ["bob"]


def test_a_later_override_wins_over_an_earlier_one(api: Harness) -> None:
    override(api, user="carol", start="2026-03-03T00:00:00Z", end="2026-03-04T00:00:00Z")
    override(api, user="dave", start="2026-03-03T06:00:00Z", end="2026-03-03T12:00:00Z")
    assert [
        s[0] for s in shifts(api, "pay-primary", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")
    ] == [
        "carol",
        "dave",
        "carol",
    ]


def test_escalation_sees_overrides_through_on_call(api: Harness) -> None:
    override(api, user="dave", start="2026-03-02T09:00:00Z", end="2026-03-02T10:00:00Z")
    with make_session_factory(api.engine)() as session:
        assert on_call(session, api.live_config.current, "pay-primary", api.clock.now) == ["dave"]


def test_cancel_keeps_the_row_and_the_rotation_returns(api: Harness) -> None:
    made = override(api, user="carol", start="2026-03-02T09:00:00Z", end="2026-03-02T12:00:00Z")
    assert on_call_at(api, "pay-primary", "2026-03-02T10:00:00Z") == ["carol"]
    api.clock.advance(minutes=5)
    cancelled = api.ok("DELETE", f"{OVERRIDES}/{made['id']}")
    assert cancelled["cancelled_at"] == "2026-03-02T09:05:00Z"
    assert on_call_at(api, "pay-primary", "2026-03-02T10:00:00Z") == ["alice"]
    assert api.ok("GET", OVERRIDES) == []
    listed = api.ok("GET", OVERRIDES, params={"cancelled": "true"})
    assert [(o["id"], o["cancelled_at"]) for o in listed] == [(made["id"], "2026-03-02T09:05:00Z")]
    with make_session_factory(api.engine)() as session:
        row = session.scalar(select(ScheduleOverride).where(ScheduleOverride.id == made["id"]))
        assert row is not None and row.cancelled_at is not None


def test_listing_overrides_by_window(api: Harness) -> None:
    first = override(api, user="carol", start="2026-03-03T00:00:00Z", end="2026-03-04T00:00:00Z")
    second = override(api, user="dave", start="2026-03-10T00:00:00Z", end="2026-03-11T00:00:00Z")
    window = {"from": "2026-03-09T00:00:00Z", "to": "2026-03-12T00:00:00Z"}
    assert [o["id"] for o in api.ok("GET", OVERRIDES, params=window)] == [second["id"]]
    assert [o["id"] for o in api.ok("GET", OVERRIDES)] == [first["id"], second["id"]]


def test_cancelling_an_unknown_override_is_404(api: Harness) -> None:
    assert api.request("DELETE", f"{OVERRIDES}/999").status_code == 404
    other = override(
        api, "pay-backup", user="carol", start="2026-03-03T00:00:00Z", end="2026-03-04T00:00:00Z"
    )
    # An override of another schedule is not found under this one.
    assert api.request("DELETE", f"{OVERRIDES}/{other['id']}").status_code == 404


GOOD = {"user": "carol", "start": "2026-03-03T00:00:00Z", "end": "2026-03-04T00:00:00Z"}


@pytest.mark.parametrize(
    ("slug", "changes", "field"),
    [
        ("nope", {}, "schedule"),
        ("pay-primary", {"user": "zed"}, "user"),
        ("pay-primary", {"replaces": "zed"}, "replaces"),
        ("pay-primary", {"replaces": "carol"}, "replaces"),
        ("pay-primary", {"end": "2026-03-03T00:00:00Z"}, "end"),
        ("pay-primary", {"end": "2026-03-02T23:00:00Z"}, "end"),
        ("pay-primary", {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"}, "end"),
        ("pay-primary", {"start": "2026-03-03T00:00:00"}, "start"),
        ("pay-primary", {"start": "soon"}, "start"),
        ("pay-primary", {"user": None}, "user"),
        ("pay-primary", {"reason": "x" * 2001}, "reason"),
        ("pay-primary", {"surprise": 1}, "surprise"),
    ],
    ids=[
        "unknown-schedule",
        "unknown-user",
        "unknown-replaced",
        "replaces-self",
        "empty-window",
        "end-before-start",
        "all-in-the-past",
        "no-zone",
        "not-a-time",
        "no-user",
        "reason-too-long",
        "unknown-field",
    ],
)
def test_a_bad_override_is_422_naming_the_field_and_writes_nothing(
    api: Harness, slug: str, changes: dict[str, Any], field: str
) -> None:
    body = {**GOOD, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post(f"/api/v1/schedules/{slug}/overrides", json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["error"]["field"])
    with make_session_factory(api.engine)() as session:
        assert session.scalars(select(ScheduleOverride)).all() == []


def manager_token(api: Harness, username: str, *teams: str) -> str:
    """A team manager of ``teams`` and a token for them."""
    with make_session_factory(api.engine)() as session:
        user = auth_service.create_user(session, username, UserRole.TEAM_MANAGER, api.clock())
        session.add_all(TeamMembership(user=user, team=team) for team in teams)
        session.flush()
        _row, secret = auth_service.create_token(session, user, "test", api.clock())
        session.commit()
    return secret


def test_only_managers_of_the_schedules_team_override(api: Harness) -> None:
    viewer = api.user("vera", UserRole.VIEWER)
    response = api.post(OVERRIDES, json=GOOD, token=viewer)
    assert response.status_code == 403
    responder = api.user("rita")
    refused = api.post(OVERRIDES, json=GOOD, token=responder)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "rita is a responder; this needs a team manager or above"
    )
    other = manager_token(api, "otto", "checkout")
    refused = api.post(OVERRIDES, json=GOOD, token=other)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "otto is a team_manager and not a manager of team payments"
    )
    manager = manager_token(api, "maya", "payments")
    made = api.post(OVERRIDES, json=GOOD, token=manager)
    assert made.status_code == 201
    assert made.json()["created_by"] == "maya"
    cancel = f"{OVERRIDES}/{made.json()['id']}"
    for token in (viewer, responder, other):
        assert api.request("DELETE", cancel, token=token).status_code == 403
    assert api.request("DELETE", cancel, token=manager).status_code == 200


def test_a_token_scoped_to_another_team_cannot_override(api: Harness) -> None:
    with make_session_factory(api.engine)() as session:
        user = auth_service.create_user(session, "maya", UserRole.TEAM_MANAGER, api.clock())
        session.add_all(TeamMembership(user=user, team=t) for t in ("payments", "checkout"))
        session.flush()
        _row, scoped = auth_service.create_token(
            session, user, "checkout only", api.clock(), team="checkout"
        )
        session.commit()
    refused = api.post(OVERRIDES, json=GOOD, token=scoped)
    assert refused.status_code == 403
    assert "not a manager of team payments" in refused.json()["error"]["message"]
    checkout = api.post(
        "/api/v1/schedules/checkout/overrides", json={**GOOD, "user": "dave"}, token=scoped
    )
    assert checkout.status_code == 201
