"""Roles (lead, fixer, comms) with their history, and participants."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.incidents.helpers import INCIDENTS, error_of, kinds, timeline, when
from tests.support.api import Harness
from warroom.auth.models import UserRole

START = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
ROLES = f"{INCIDENTS}/INC-1/roles"
PARTICIPANTS = f"{INCIDENTS}/INC-1/participants"


def usernames(incident: dict[str, Any]) -> list[str]:
    return [p["user"]["username"] for p in incident["participants"]]


def test_assigning_a_role_defaults_to_the_caller(api: Harness) -> None:
    api.declare()
    bob = api.user("bob")
    api.clock.advance(minutes=1)
    incident = api.ok("POST", ROLES, token=bob, json={"role": "lead"})
    assert incident["roles"] == {
        "lead": {"username": "bob", "display_name": None},
        "fixer": None,
        "comms": None,
    }
    assert incident["role_history"] == [
        {
            "role": "lead",
            "user": {"username": "bob", "display_name": None},
            "assigned_at": "2026-03-02T09:01:00Z",
            "released_at": None,
        }
    ]
    entry = timeline(api)[-1]
    assert entry["kind"] == "role_assigned"
    assert entry["actor"] == "bob"
    assert entry["text"] == "bob is now the incident lead"
    assert entry["before"] == {"role": "lead", "user": None}
    assert entry["after"] == {"role": "lead", "user": "bob"}


def test_role_holders_become_participants_once(api: Harness) -> None:
    api.declare()
    api.user("bob")
    api.clock.advance(minutes=2)
    api.ok("POST", ROLES, json={"role": "fixer", "user": "bob"})
    incident = api.ok("POST", ROLES, json={"role": "comms", "user": "bob"})
    assert usernames(incident) == ["admin", "bob"]
    assert when(incident["participants"][1]["joined_at"]) == START + timedelta(minutes=2)
    assert incident["roles"]["fixer"]["username"] == "bob"
    assert incident["roles"]["comms"]["username"] == "bob"
    assert timeline(api)[-1]["text"] == "bob is now the communications lead (by admin)"


def test_handing_over_releases_the_previous_holder_and_keeps_history(api: Harness) -> None:
    api.declare()
    api.user("bob")
    api.ok("POST", ROLES, json={"role": "lead"})
    api.clock.advance(minutes=30)
    incident = api.ok("POST", ROLES, json={"role": "lead", "user": "bob"})
    assert incident["roles"]["lead"] == {"username": "bob", "display_name": None}
    assert incident["role_history"] == [
        {
            "role": "lead",
            "user": {"username": "admin", "display_name": None},
            "assigned_at": "2026-03-02T09:00:00Z",
            "released_at": "2026-03-02T09:30:00Z",
        },
        {
            "role": "lead",
            "user": {"username": "bob", "display_name": None},
            "assigned_at": "2026-03-02T09:30:00Z",
            "released_at": None,
        },
    ]
    assert usernames(incident) == ["admin", "bob"]
    entry = timeline(api)[-1]
    assert entry["kind"] == "role_handed_over"
    assert entry["actor"] == "admin"
    assert entry["text"] == "admin handed the incident lead role over to bob (by admin)"
    assert entry["before"] == {"role": "lead", "user": "admin"}
    assert entry["after"] == {"role": "lead", "user": "bob"}


def test_assigning_the_current_holder_again_answers_409(api: Harness) -> None:
    api.declare()
    api.ok("POST", ROLES, json={"role": "lead"})
    error = error_of(api.post(ROLES, json={"role": "lead", "user": "admin"}), 409, "conflict")
    assert error["field"] == "user"
    assert error["message"] == "admin is already the incident lead of INC-1"
    assert kinds(api) == ["declared", "role_assigned"]


def test_releasing_a_role_closes_the_assignment(api: Harness) -> None:
    api.declare()
    api.ok("POST", ROLES, json={"role": "comms"})
    api.clock.advance(minutes=45)
    incident = api.ok("DELETE", f"{ROLES}/comms")
    assert incident["roles"]["comms"] is None
    assert incident["role_history"][0]["released_at"] == "2026-03-02T09:45:00Z"
    assert usernames(incident) == ["admin"]
    entry = timeline(api)[-1]
    assert entry["kind"] == "role_released"
    assert entry["text"] == "admin released the communications lead role"
    assert entry["before"] == {"role": "comms", "user": "admin"}
    assert entry["after"] == {"role": "comms", "user": None}


def test_releasing_a_role_nobody_holds_answers_409(api: Harness) -> None:
    api.declare()
    error = error_of(api.request("DELETE", f"{ROLES}/fixer"), 409, "conflict")
    assert error["field"] == "role"
    assert error["message"] == "INC-1 has no fixer to release"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "captain"}, "role"),
        ({}, "role"),
        ({"role": "lead", "user": "nobody"}, "user"),
        ({"role": "lead", "user": 7}, "user"),
        ({"role": "lead", "until": "later"}, "until"),
    ],
)
def test_bad_role_assignment_answers_422_naming_the_field(
    api: Harness, body: dict[str, Any], field: str
) -> None:
    api.declare()
    error = error_of(api.post(ROLES, json=body), 422, "invalid")
    assert error["field"] == field
    assert kinds(api) == ["declared"]


def test_releasing_an_unknown_role_answers_422(api: Harness) -> None:
    api.declare()
    error = error_of(api.request("DELETE", f"{ROLES}/captain"), 422, "invalid")
    assert error["field"] == "role"


def test_adding_and_removing_participants_is_recorded(api: Harness) -> None:
    api.declare()
    api.user("bob")
    carol = api.user("carol")
    api.clock.advance(minutes=5)
    incident = api.ok("POST", PARTICIPANTS, json={"user": "bob"})
    assert usernames(incident) == ["admin", "bob"]
    incident = api.ok("POST", PARTICIPANTS, token=carol, json={})
    assert usernames(incident) == ["admin", "bob", "carol"]
    api.clock.advance(minutes=5)
    incident = api.ok("DELETE", f"{PARTICIPANTS}/bob")
    assert usernames(incident) == ["admin", "carol"]
    entries = timeline(api)[1:]
    assert [(e["kind"], e["actor"], e["text"]) for e in entries] == [
        ("participant_added", "admin", "bob joined INC-1"),
        ("participant_added", "carol", "carol joined INC-1"),
        ("participant_removed", "admin", "bob left INC-1"),
    ]
    assert entries[0]["after"] == {"user": "bob"}
    assert entries[2]["before"] == {"user": "bob"}
    assert when(entries[2]["at"]) == START + timedelta(minutes=10)


def test_adding_an_existing_participant_answers_409(api: Harness) -> None:
    api.declare()
    error = error_of(api.post(PARTICIPANTS, json={}), 409, "conflict")
    assert error["message"] == "admin already participates in INC-1"


def test_a_role_holder_cannot_be_removed_until_handed_over(api: Harness) -> None:
    api.declare()
    api.user("bob")
    api.ok("POST", ROLES, json={"role": "fixer", "user": "bob"})
    error = error_of(api.request("DELETE", f"{PARTICIPANTS}/bob"), 409, "conflict")
    assert error["message"] == "bob holds the fixer role; hand it over first"
    api.ok("DELETE", f"{ROLES}/fixer")
    assert usernames(api.ok("DELETE", f"{PARTICIPANTS}/bob")) == ["admin"]


def test_removing_a_non_participant_or_unknown_user_answers_422(api: Harness) -> None:
    api.declare()
    api.user("bob")
    error = error_of(api.request("DELETE", f"{PARTICIPANTS}/bob"), 422, "invalid")
    assert error["field"] == "user"
    error = error_of(api.request("DELETE", f"{PARTICIPANTS}/nobody"), 422, "invalid")
    assert error["field"] == "username"
    assert kinds(api) == ["declared"]


def test_viewer_cannot_change_roles_or_participants(api: Harness) -> None:
    api.declare()
    viewer = api.user("vera", UserRole.VIEWER)
    error_of(api.post(ROLES, token=viewer, json={"role": "lead"}), 403, "forbidden")
    error_of(api.post(PARTICIPANTS, token=viewer, json={}), 403, "forbidden")
    error_of(api.request("DELETE", f"{PARTICIPANTS}/admin", token=viewer), 403, "forbidden")
    assert kinds(api) == ["declared"]
