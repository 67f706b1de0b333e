"""Declaring incidents and moving them through triggered → … → closed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.incidents.helpers import INCIDENTS, act, close, error_of, kinds, timeline, when
from tests.support.api import Harness
from warroom.auth.models import UserRole

START = datetime.fromisoformat("2026-03-02T09:00:00+00:00")


def test_declare_records_every_field_given(api: Harness) -> None:
    created = api.declare(
        title="  Card payments fail  ",
        severity="SEV2",
        team="payments",
        services=["payments-api", "checkout-api", "payments-api"],
        summary="Card authorisations time out at the PSP.",
        impact_started_at="2026-03-02T08:45:00Z",
    )
    assert created["ref"] == "INC-1"
    assert created["number"] == 1
    assert created["title"] == "Card payments fail"
    assert created["severity"] == "SEV2"
    assert created["team"] == "payments"
    assert created["services"] == ["checkout-api", "payments-api"]
    assert created["summary"] == "Card authorisations time out at the PSP."
    assert created["status"] == "triggered"
    assert when(created["impact_started_at"]) == START - timedelta(minutes=15)
    assert when(created["detected_at"]) == START
    assert when(created["declared_at"]) == START
    assert created["acknowledged_at"] is None
    assert created["mitigated_at"] is None
    assert created["resolved_at"] is None
    assert created["closed_at"] is None
    assert created["declared_by"] == "admin"
    assert [p["user"]["username"] for p in created["participants"]] == ["admin"]
    assert created["roles"] == {"lead": None, "fixer": None, "comms": None}
    assert api.ok("GET", f"{INCIDENTS}/INC-1") == created


def test_declare_defaults_severity_impact_start_and_services(api: Harness) -> None:
    created = api.ok("POST", INCIDENTS, json={"title": "Slow search", "team": "checkout"})
    assert created["severity"] == "SEV3"
    explicit_null = {"title": "x", "team": "checkout", "severity": None}
    assert api.ok("POST", INCIDENTS, json=explicit_null)["severity"] == "SEV3"
    assert created["services"] == []
    assert created["summary"] == ""
    assert when(created["impact_started_at"]) == START
    assert created["affected_users"] is None
    assert created["affected_features"] == []
    assert created["revenue_impact"] is False


def test_declare_writes_a_declared_timeline_entry(api: Harness) -> None:
    api.declare(services=["payments-api"])
    [entry] = timeline(api)
    assert entry["kind"] == "declared"
    assert entry["actor"] == "admin"
    assert when(entry["at"]) == START
    assert entry["before"] is None
    assert entry["after"] == {"severity": "SEV1", "team": "payments", "services": ["payments-api"]}
    assert "INC-1" in entry["text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": "billing"}, "team"),
        ({"services": ["payments-api", "billing-api"]}, "services[1]"),
        ({"severity": "SEV9"}, "severity"),
        ({"severity": "sev1"}, "severity"),
        ({"severity": ""}, "severity"),
    ],
)
def test_declare_with_unknown_reference_answers_422_naming_the_field(
    api: Harness, body: dict[str, object], field: str
) -> None:
    payload = {"title": "x", "team": "payments", **body}
    error = error_of(api.post(INCIDENTS, json=payload), 422, "invalid")
    assert error["field"] == field
    assert api.ok("GET", INCIDENTS)["total"] == 0


def test_get_accepts_number_and_any_case_reference(api: Harness) -> None:
    api.declare()
    api.declare(title="Second")
    assert api.ok("GET", f"{INCIDENTS}/2")["title"] == "Second"
    assert api.ok("GET", f"{INCIDENTS}/inc-2")["title"] == "Second"


@pytest.mark.parametrize("ref", ["INC-7", "7", "INC-99999999999", "INC-99999999999999999999999"])
def test_get_missing_incident_answers_404(api: Harness, ref: str) -> None:
    api.declare()
    error = error_of(api.get(f"{INCIDENTS}/{ref}"), 404, "not_found")
    assert error["field"] == "ref"


def test_get_malformed_reference_answers_404_naming_ref(api: Harness) -> None:
    error = error_of(api.get(f"{INCIDENTS}/BUG-1"), 404, "not_found")
    assert error["field"] == "ref"
    assert "INC-12" in error["message"]


def test_full_lifecycle_sets_each_timestamp_from_the_clock(api: Harness) -> None:
    api.declare()
    api.clock.advance(minutes=3)
    acked = act(api, "acknowledge")
    assert acked["status"] == "acknowledged"
    assert when(acked["acknowledged_at"]) == START + timedelta(minutes=3)
    api.clock.advance(minutes=20)
    mitigated = act(api, "mitigate")
    assert mitigated["status"] == "mitigated"
    assert when(mitigated["mitigated_at"]) == START + timedelta(minutes=23)
    assert when(mitigated["acknowledged_at"]) == START + timedelta(minutes=3)
    api.clock.advance(minutes=40)
    resolved = act(api, "resolve")
    assert resolved["status"] == "resolved"
    assert when(resolved["resolved_at"]) == START + timedelta(minutes=63)
    api.clock.advance(days=2)
    closed = close(api)
    assert closed["status"] == "closed"
    assert when(closed["closed_at"]) == START + timedelta(days=2, minutes=63)
    assert closed["durations"] == {
        "time_to_detect": 0.0,
        "time_to_acknowledge": 180.0,
        "time_to_mitigate": 1380.0,
        "time_to_resolve": 3780.0,
    }
    assert kinds(api) == ["declared"] + ["status_changed"] * 4


def test_status_change_entry_has_who_what_before_and_after(api: Harness) -> None:
    api.declare()
    bob = api.user("bob")
    api.clock.advance(minutes=2)
    act(api, "acknowledge", token=bob, json={"reason": "looking at the PSP dashboards"})
    entry = timeline(api)[-1]
    assert entry["kind"] == "status_changed"
    assert entry["actor"] == "bob"
    assert when(entry["at"]) == START + timedelta(minutes=2)
    assert entry["text"] == "bob acknowledged INC-1: looking at the PSP dashboards"
    assert entry["before"] == {"status": "triggered", "acknowledged_at": None}
    assert entry["after"] == {
        "status": "acknowledged",
        "acknowledged_at": "2026-03-02T09:02:00+00:00",
    }


def test_resolving_from_triggered_sets_skipped_timestamps_to_the_same_instant(
    api: Harness,
) -> None:
    api.declare()
    api.clock.advance(minutes=9)
    resolved = act(api, "resolve")
    instant = START + timedelta(minutes=9)
    assert resolved["status"] == "resolved"
    assert when(resolved["acknowledged_at"]) == instant
    assert when(resolved["mitigated_at"]) == instant
    assert when(resolved["resolved_at"]) == instant
    assert resolved["durations"]["time_to_acknowledge"] == 540.0
    assert resolved["durations"]["time_to_resolve"] == 540.0


def test_mitigating_from_acknowledged_keeps_the_earlier_acknowledgement(api: Harness) -> None:
    api.declare()
    api.clock.advance(minutes=1)
    act(api, "acknowledge")
    api.clock.advance(minutes=5)
    mitigated = act(api, "mitigate")
    assert when(mitigated["acknowledged_at"]) == START + timedelta(minutes=1)
    assert when(mitigated["mitigated_at"]) == START + timedelta(minutes=6)


REACH = {
    "triggered": [],
    "acknowledged": ["acknowledge"],
    "mitigated": ["mitigate"],
    "resolved": ["resolve"],
    "closed": ["resolve", "close"],
}


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("triggered", "close"),
        ("triggered", "reopen"),
        ("acknowledged", "acknowledge"),
        ("acknowledged", "close"),
        ("mitigated", "acknowledge"),
        ("mitigated", "mitigate"),
        ("resolved", "acknowledge"),
        ("resolved", "mitigate"),
        ("resolved", "resolve"),
        ("closed", "acknowledge"),
        ("closed", "resolve"),
        ("closed", "close"),
        ("closed", "reopen"),
    ],
)
def test_transition_not_allowed_answers_409_and_changes_nothing(
    api: Harness, status: str, action: str
) -> None:
    api.declare()
    for step in REACH[status]:
        close(api) if step == "close" else act(api, step)
    before = api.ok("GET", f"{INCIDENTS}/INC-1")
    entries = timeline(api)
    api.clock.advance(minutes=1)
    error = error_of(api.post(f"{INCIDENTS}/INC-1/actions/{action}"), 409)
    assert error["code"] == "transition_not_allowed"
    assert error["message"].startswith("INC-1: ")
    assert status in error["message"]
    assert api.ok("GET", f"{INCIDENTS}/INC-1") == before
    assert timeline(api) == entries


def test_refusal_message_lists_the_allowed_statuses(api: Harness) -> None:
    api.declare()
    error = error_of(api.post(f"{INCIDENTS}/INC-1/actions/close"), 409, "transition_not_allowed")
    assert error["message"] == (
        "INC-1: cannot close an incident that is triggered (allowed from: resolved)"
    )


def test_closed_incident_cannot_be_reopened(api: Harness) -> None:
    api.declare()
    act(api, "resolve")
    close(api)
    error = error_of(api.post(f"{INCIDENTS}/INC-1/actions/reopen"), 409, "transition_not_allowed")
    assert error["message"] == (
        "INC-1: a closed incident cannot be reopened; declare a new incident"
    )


def test_reopening_a_resolved_incident_goes_back_to_acknowledged(api: Harness) -> None:
    api.declare()
    api.clock.advance(minutes=2)
    act(api, "acknowledge")
    api.clock.advance(minutes=3)
    act(api, "mitigate")
    api.clock.advance(minutes=5)
    act(api, "resolve")
    api.clock.advance(minutes=30)
    reopened = act(api, "reopen", json={"reason": "errors are back"})
    assert reopened["status"] == "acknowledged"
    assert when(reopened["acknowledged_at"]) == START + timedelta(minutes=2)
    assert reopened["mitigated_at"] is None
    assert reopened["resolved_at"] is None
    assert reopened["durations"]["time_to_mitigate"] is None
    assert reopened["durations"]["time_to_resolve"] is None
    entry = timeline(api)[-1]
    assert entry["kind"] == "reopened"
    assert entry["actor"] == "admin"
    assert entry["text"] == "admin reopened INC-1: errors are back"
    assert entry["before"] == {
        "status": "resolved",
        "mitigated_at": "2026-03-02T09:05:00+00:00",
        "resolved_at": "2026-03-02T09:10:00+00:00",
    }
    assert entry["after"] == {"status": "acknowledged", "mitigated_at": None, "resolved_at": None}


def test_reopened_incident_can_be_resolved_again_with_new_timestamps(api: Harness) -> None:
    api.declare()
    act(api, "resolve")
    act(api, "reopen")
    api.clock.advance(hours=1)
    resolved = act(api, "resolve")
    assert when(resolved["acknowledged_at"]) == START
    assert when(resolved["mitigated_at"]) == START + timedelta(hours=1)
    assert when(resolved["resolved_at"]) == START + timedelta(hours=1)


def test_unknown_action_answers_422_naming_action(api: Harness) -> None:
    api.declare()
    error = error_of(api.post(f"{INCIDENTS}/INC-1/actions/escalate"), 422, "invalid")
    assert error["field"] == "action"


def test_action_on_missing_incident_answers_404(api: Harness) -> None:
    error = error_of(api.post(f"{INCIDENTS}/INC-3/actions/acknowledge"), 404, "not_found")
    assert error["field"] == "ref"


@pytest.mark.parametrize(
    ("old", "new", "word"), [("SEV3", "SEV1", "raised"), ("SEV1", "SEV4", "lowered")]
)
def test_severity_change_is_recorded_as_raised_or_lowered(
    api: Harness, old: str, new: str, word: str
) -> None:
    api.declare(severity=old)
    api.clock.advance(minutes=4)
    changed = api.ok(
        "POST", f"{INCIDENTS}/INC-1/severity", json={"severity": new, "reason": "scope changed"}
    )
    assert changed["severity"] == new
    entry = timeline(api)[-1]
    assert entry["kind"] == "severity_changed"
    assert entry["actor"] == "admin"
    assert when(entry["at"]) == START + timedelta(minutes=4)
    assert entry["text"] == f"admin {word} severity from {old} to {new}: scope changed"
    assert entry["before"] == {"severity": old}
    assert entry["after"] == {"severity": new}


def test_severity_change_to_the_same_severity_answers_409(api: Harness) -> None:
    api.declare(severity="SEV2")
    error = error_of(api.post(f"{INCIDENTS}/INC-1/severity", json={"severity": "SEV2"}), 409)
    assert error["code"] == "unchanged"
    assert kinds(api) == ["declared"]


def test_severity_change_to_unknown_severity_answers_422(api: Harness) -> None:
    api.declare()
    error = error_of(api.post(f"{INCIDENTS}/INC-1/severity", json={"severity": "P1"}), 422)
    assert error["field"] == "severity"
    assert "SEV1, SEV2, SEV3, SEV4" in error["message"]
    assert api.ok("GET", f"{INCIDENTS}/INC-1")["severity"] == "SEV1"


def test_viewer_cannot_declare_or_act(api: Harness) -> None:
    api.declare()
    viewer = api.user("vera", UserRole.VIEWER)
    body = {"title": "x", "team": "payments"}
    error_of(api.post(INCIDENTS, json=body, token=viewer), 403, "forbidden")
    error_of(api.post(f"{INCIDENTS}/INC-1/actions/acknowledge", token=viewer), 403, "forbidden")
    assert api.ok("GET", f"{INCIDENTS}/INC-1", token=viewer)["status"] == "triggered"
    assert api.ok("GET", INCIDENTS)["total"] == 1
