"""The timeline: every change leaves an entry; notes; pins; impact field changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.incidents.helpers import INCIDENTS, act, error_of, kinds, timeline, when
from tests.support.api import Harness
from warroom.auth.models import UserRole

START = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
NOTES = f"{INCIDENTS}/INC-1/notes"
INC1 = f"{INCIDENTS}/INC-1"


def pin(api: Harness, entry_id: int, ref: str = "INC-1", **body: Any) -> Any:
    return api.post(f"{INCIDENTS}/{ref}/timeline/{entry_id}/pin", json=body)


def test_every_change_writes_an_entry_in_order(api: Harness) -> None:
    api.declare()
    api.user("bob")
    steps: list[tuple[str, str, Any]] = [
        ("POST", f"{INC1}/actions/acknowledge", None),
        ("POST", f"{INC1}/severity", {"severity": "SEV2"}),
        ("POST", f"{INC1}/roles", {"role": "lead"}),
        ("POST", f"{INC1}/participants", {"user": "bob"}),
        ("PATCH", INC1, {"affected_users": 120}),
        ("POST", f"{INC1}/notes", {"text": "PSP confirms an outage"}),
        ("POST", f"{INC1}/updates", {"text": "We are on it", "audience": "public"}),
        ("POST", f"{INC1}/roles", {"role": "lead", "user": "bob"}),
        ("DELETE", f"{INC1}/roles/lead", None),
        ("DELETE", f"{INC1}/participants/bob", None),
        ("POST", f"{INC1}/actions/resolve", None),
        (
            "POST",
            f"{INC1}/timestamps",
            {"field": "detected_at", "value": "2026-03-02T09:00:00Z", "reason": "checked"},
        ),
        ("POST", f"{INC1}/actions/reopen", None),
    ]
    for method, path, body in steps:
        api.clock.advance(minutes=1)
        api.ok(method, path, json=body)
    entries = timeline(api)
    assert [e["kind"] for e in entries] == [
        "declared",
        "status_changed",
        "severity_changed",
        "role_assigned",
        "participant_added",
        "field_changed",
        "note",
        "status_update",
        "role_handed_over",
        "role_released",
        "participant_removed",
        "status_changed",
        "timestamp_corrected",
        "reopened",
    ]
    assert [when(e["at"]) for e in entries] == [
        START + timedelta(minutes=n) for n in range(len(entries))
    ]
    assert {e["actor"] for e in entries} == {"admin"}
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids)
    assert api.ok("GET", INC1)["updated_at"] == "2026-03-02T09:13:00Z"


def test_reads_do_not_write_entries(api: Harness) -> None:
    api.declare()
    api.ok("GET", INC1)
    api.ok("GET", INCIDENTS)
    api.ok("GET", f"{INC1}/updates")
    timeline(api, pinned="true")
    assert kinds(api) == ["declared"]


def test_note_is_a_timeline_entry(api: Harness) -> None:
    api.declare()
    bob = api.user("bob")
    api.clock.advance(minutes=7)
    response = api.post(NOTES, token=bob, json={"text": "Rolled back deploy 4711"})
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["kind"] == "note"
    assert note["actor"] == "bob"
    assert note["text"] == "Rolled back deploy 4711"
    assert note["pinned"] is False
    assert note["at"] == "2026-03-02T09:07:00Z"
    assert note["before"] is None
    assert note["after"] is None
    assert timeline(api)[-1] == note


def test_pinning_and_unpinning_entries(api: Harness) -> None:
    api.declare()
    declared = timeline(api)[0]
    pinned_note = api.ok("POST", NOTES, json={"text": "Root cause: expired cert", "pinned": True})
    api.ok("POST", NOTES, json={"text": "chatter"})
    response = pin(api, declared["id"])
    assert response.status_code == 200, response.text
    assert response.json() == {**declared, "pinned": True}
    pinned = timeline(api, pinned="true")
    assert [e["id"] for e in pinned] == [declared["id"], pinned_note["id"]]
    assert len(timeline(api)) == 3
    assert pin(api, pinned_note["id"], pinned=False).json()["pinned"] is False
    assert [e["id"] for e in timeline(api, pinned="true")] == [declared["id"]]
    assert [e["pinned"] for e in timeline(api, pinned="false")] == [True, False, False]


@pytest.mark.parametrize("entry_id", ["999", "0"])
def test_pinning_a_missing_entry_answers_404(api: Harness, entry_id: str) -> None:
    api.declare()
    response = api.post(f"{INC1}/timeline/{entry_id}/pin", json={})
    error = error_of(response, 404, "not_found")
    assert error["field"] == "entry_id"


def test_pinning_an_entry_of_another_incident_answers_404(api: Harness) -> None:
    api.declare()
    api.declare(title="Other")
    other = timeline(api, "INC-2")[0]
    error = error_of(pin(api, other["id"]), 404, "not_found")
    assert error["field"] == "entry_id"
    assert timeline(api, "INC-2")[0]["pinned"] is False


@pytest.mark.parametrize("entry_id", ["first", "99999999999", "99999999999999999999999"])
def test_pinning_with_a_bad_entry_id_answers_4xx(api: Harness, entry_id: str) -> None:
    api.declare()
    response = api.post(f"{INC1}/timeline/{entry_id}/pin", json={})
    assert response.status_code in (404, 422), response.text
    assert error_of(response, response.status_code)["field"] == "entry_id"


def test_patching_impact_fields_is_recorded_with_before_and_after(api: Harness) -> None:
    api.declare(affected_users=10)
    api.clock.advance(minutes=3)
    patch = {
        "affected_users": 1500,
        "affected_customers": 40,
        "affected_features": ["checkout", "refunds"],
        "affected_regions": ["eu-west-1"],
        "revenue_impact": True,
    }
    incident = api.ok("PATCH", INC1, json=patch)
    for key, value in patch.items():
        assert incident[key] == value
    entry = timeline(api)[-1]
    assert entry["kind"] == "field_changed"
    assert entry["actor"] == "admin"
    assert when(entry["at"]) == START + timedelta(minutes=3)
    assert entry["before"] == {
        "affected_users": 10,
        "affected_customers": None,
        "affected_features": [],
        "affected_regions": [],
        "revenue_impact": False,
    }
    assert entry["after"] == patch
    assert entry["text"] == (
        "admin changed affected_users, affected_customers, affected_features, "
        "affected_regions, revenue_impact"
    )


def test_patching_title_summary_team_and_services(api: Harness) -> None:
    api.declare(services=["payments-api"])
    incident = api.ok(
        "PATCH",
        INC1,
        json={
            "title": "  PSP outage ",
            "summary": "cert expired",
            "team": "checkout",
            "services": ["checkout-api"],
        },
    )
    assert incident["title"] == "PSP outage"
    assert incident["summary"] == "cert expired"
    assert incident["team"] == "checkout"
    assert incident["services"] == ["checkout-api"]
    entry = timeline(api)[-1]
    assert entry["before"] == {
        "title": "Checkout returns 503",
        "summary": "",
        "team": "payments",
        "services": ["payments-api"],
    }
    assert entry["after"] == {
        "title": "PSP outage",
        "summary": "cert expired",
        "team": "checkout",
        "services": ["checkout-api"],
    }


def test_patch_that_changes_nothing_writes_nothing(api: Harness) -> None:
    api.declare(affected_users=5)
    api.ok("PATCH", INC1, json={"affected_users": 5, "title": "Checkout returns 503"})
    api.ok("PATCH", INC1, json={})
    assert kinds(api) == ["declared"]


def test_patch_can_clear_optional_fields_with_null(api: Harness) -> None:
    api.declare(affected_users=5, affected_features=["search"], summary="x", revenue_impact=True)
    incident = api.ok(
        "PATCH",
        INC1,
        json={
            "affected_users": None,
            "affected_features": None,
            "summary": None,
            "revenue_impact": None,
        },
    )
    assert incident["affected_users"] is None
    assert incident["affected_features"] == []
    assert incident["summary"] == ""
    assert incident["revenue_impact"] is False
    assert timeline(api)[-1]["after"] == {
        "affected_users": None,
        "affected_features": [],
        "summary": "",
        "revenue_impact": False,
    }


@pytest.mark.parametrize("field", ["title", "team", "services"])
def test_patch_cannot_null_required_fields(api: Harness, field: str) -> None:
    api.declare()
    error = error_of(api.request("PATCH", INC1, json={field: None}), 422, "invalid")
    assert error["field"] == field
    assert kinds(api) == ["declared"]


def test_failed_patch_leaves_no_partial_change(api: Harness) -> None:
    api.declare()
    response = api.request(
        "PATCH", INC1, json={"affected_users": 9, "services": ["payments-api", "nope"]}
    )
    assert error_of(response, 422)["field"] == "services[1]"
    incident = api.ok("GET", INC1)
    assert incident["affected_users"] is None
    assert incident["services"] == []
    assert kinds(api) == ["declared"]


def test_viewer_can_read_but_not_write_the_timeline(api: Harness) -> None:
    api.declare()
    viewer = api.user("vera", UserRole.VIEWER)
    assert len(api.ok("GET", f"{INC1}/timeline", token=viewer)["entries"]) == 1
    error_of(api.post(NOTES, token=viewer, json={"text": "hi"}), 403, "forbidden")
    entry_id = timeline(api)[0]["id"]
    error_of(api.post(f"{INC1}/timeline/{entry_id}/pin", token=viewer, json={}), 403)
    error_of(api.request("PATCH", INC1, token=viewer, json={"summary": "x"}), 403)
    assert kinds(api) == ["declared"]
    assert timeline(api)[0]["pinned"] is False


def test_act_on_resolved_keeps_timeline_of_status_changes(api: Harness) -> None:
    api.declare()
    act(api, "resolve")
    entry = timeline(api)[-1]
    assert entry["before"] == {
        "status": "triggered",
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": None,
    }
    assert entry["after"] == {
        "status": "resolved",
        "acknowledged_at": "2026-03-02T09:00:00+00:00",
        "mitigated_at": "2026-03-02T09:00:00+00:00",
        "resolved_at": "2026-03-02T09:00:00+00:00",
    }
