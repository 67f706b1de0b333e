"""Status updates and the update cadence: first within 10m, then every severity interval."""

from __future__ import annotations

from typing import Any

import pytest

from tests.incidents.helpers import INCIDENTS, act, close, error_of, timeline
from tests.support.api import Harness
from warroom.auth.models import UserRole

INC1 = f"{INCIDENTS}/INC-1"
UPDATES = f"{INC1}/updates"


def post_update(api: Harness, text: str = "Investigating", **fields: Any) -> dict[str, Any]:
    response = api.post(UPDATES, json={"text": text, **fields})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def incident(api: Harness) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("GET", INC1)
    return result


@pytest.mark.parametrize("severity", ["SEV1", "SEV2", "SEV3"])
def test_first_update_is_due_ten_minutes_after_declaring(api: Harness, severity: str) -> None:
    declared = api.declare(severity=severity, detected_at="2026-03-02T08:30:00Z")
    assert declared["next_update_due_at"] == "2026-03-02T09:10:00Z"
    assert declared["last_update_at"] is None
    assert declared["update_overdue"] is False


def test_update_becomes_overdue_once_the_clock_passes_the_due_time(api: Harness) -> None:
    api.declare()
    api.clock.advance(minutes=10)
    assert incident(api)["update_overdue"] is False
    api.clock.advance(seconds=1)
    overdue = incident(api)
    assert overdue["update_overdue"] is True
    assert overdue["next_update_due_at"] == "2026-03-02T09:10:00Z"
    assert api.ok("GET", INCIDENTS)["items"][0]["update_overdue"] is True


@pytest.mark.parametrize(
    ("severity", "due"),
    [
        ("SEV1", "2026-03-02T09:20:00Z"),
        ("SEV2", "2026-03-02T09:35:00Z"),
        ("SEV3", "2026-03-02T13:05:00Z"),
    ],
)
def test_next_update_follows_the_severity_cadence(api: Harness, severity: str, due: str) -> None:
    api.declare(severity=severity)
    api.clock.advance(minutes=5)
    post_update(api)
    current = incident(api)
    assert current["last_update_at"] == "2026-03-02T09:05:00Z"
    assert current["next_update_due_at"] == due
    assert current["update_overdue"] is False


def test_each_update_moves_the_due_time(api: Harness) -> None:
    api.declare(severity="SEV1")
    api.clock.advance(minutes=12)
    assert incident(api)["update_overdue"] is True
    post_update(api)
    assert incident(api)["next_update_due_at"] == "2026-03-02T09:27:00Z"
    api.clock.advance(minutes=15, seconds=1)
    assert incident(api)["update_overdue"] is True
    post_update(api, "Still on it")
    current = incident(api)
    assert current["next_update_due_at"] == "2026-03-02T09:42:01Z"
    assert current["update_overdue"] is False


def test_sev4_has_no_update_cadence(api: Harness) -> None:
    declared = api.declare(severity="SEV4")
    assert declared["next_update_due_at"] is None
    api.clock.advance(days=3)
    post_update(api)
    current = incident(api)
    assert current["next_update_due_at"] is None
    assert current["update_overdue"] is False


def test_severity_change_recomputes_the_due_time(api: Harness) -> None:
    api.declare(severity="SEV3")
    api.clock.advance(minutes=5)
    post_update(api)
    assert incident(api)["next_update_due_at"] == "2026-03-02T13:05:00Z"
    raised = api.ok("POST", f"{INC1}/severity", json={"severity": "SEV1"})
    assert raised["next_update_due_at"] == "2026-03-02T09:20:00Z"
    lowered = api.ok("POST", f"{INC1}/severity", json={"severity": "SEV4"})
    assert lowered["next_update_due_at"] is None


def test_no_update_is_due_once_resolved_and_again_after_reopening(api: Harness) -> None:
    api.declare(severity="SEV2")
    api.clock.advance(minutes=30)
    resolved = act(api, "resolve")
    assert resolved["next_update_due_at"] is None
    assert resolved["update_overdue"] is False
    api.clock.advance(hours=1)
    reopened = act(api, "reopen")
    assert reopened["next_update_due_at"] == "2026-03-02T09:10:00Z"
    assert reopened["update_overdue"] is True
    post_update(api)
    assert incident(api)["next_update_due_at"] == "2026-03-02T11:00:00Z"
    act(api, "resolve")
    closed = close(api)
    assert closed["next_update_due_at"] is None


def test_update_is_stored_with_audience_status_and_author(api: Harness) -> None:
    api.declare()
    bob = api.user("bob")
    api.clock.advance(minutes=4)
    response = api.post(
        UPDATES, token=bob, json={"text": "Payments degraded", "audience": "public"}
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert first == {
        "id": first["id"],
        "at": "2026-03-02T09:04:00Z",
        "text": "Payments degraded",
        "audience": "public",
        "status": "triggered",
        "author": "bob",
    }
    act(api, "mitigate")
    api.clock.advance(minutes=6)
    second = post_update(api, "Mitigated by failover")
    assert second["audience"] == "internal"
    assert second["status"] == "mitigated"
    listed = api.ok("GET", UPDATES)
    assert listed == [first, second]


def test_update_writes_a_timeline_entry(api: Harness) -> None:
    api.declare(severity="SEV2")
    api.clock.advance(minutes=8)
    post_update(api, "Failover started", audience="public")
    entry = timeline(api)[-1]
    assert entry["kind"] == "status_update"
    assert entry["actor"] == "admin"
    assert entry["at"] == "2026-03-02T09:08:00Z"
    assert entry["text"] == "public update by admin: Failover started"
    assert entry["after"] == {
        "audience": "public",
        "update_id": 1,
        "next_update_due_at": "2026-03-02T09:38:00+00:00",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x", "audience": "everyone"}, "audience"),
        ({"text": ""}, "text"),
        ({"audience": "public"}, "text"),
        ({"text": ["x"]}, "text"),
        ({"text": "x", "channel": "#ops"}, "channel"),
    ],
)
def test_bad_update_answers_422_and_moves_nothing(
    api: Harness, body: dict[str, Any], field: str
) -> None:
    api.declare()
    before = incident(api)
    error = error_of(api.post(UPDATES, json=body), 422, "invalid")
    assert error["field"] == field
    assert api.ok("GET", UPDATES) == []
    assert incident(api) == before


def test_viewer_cannot_post_updates_but_can_read_them(api: Harness) -> None:
    api.declare()
    post_update(api)
    viewer = api.user("vera", UserRole.VIEWER)
    error_of(api.post(UPDATES, token=viewer, json={"text": "hi"}), 403, "forbidden")
    assert len(api.ok("GET", UPDATES, token=viewer)) == 1
