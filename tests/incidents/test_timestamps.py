"""Lifecycle timestamps: set from the clock, corrected with a reason, always in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.incidents.helpers import INCIDENTS, act, close, error_of, timeline, when
from tests.support.api import Harness

START = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
CORRECT = f"{INCIDENTS}/INC-1/timestamps"


def correct(api: Harness, field: str, value: str, reason: str = "from the PSP logs") -> Any:
    return api.post(CORRECT, json={"field": field, "value": value, "reason": reason})


def walked(api: Harness) -> None:
    """INC-1 declared at 09:00, acked 09:05, mitigated 09:20, resolved 09:45."""
    api.declare()
    api.clock.advance(minutes=5)
    act(api, "acknowledge")
    api.clock.advance(minutes=15)
    act(api, "mitigate")
    api.clock.advance(minutes=25)
    act(api, "resolve")
    api.clock.advance(minutes=15)


def test_declare_takes_impact_start_and_detection_from_the_body(api: Harness) -> None:
    created = api.declare(
        impact_started_at="2026-03-02T08:30:00Z", detected_at="2026-03-02T08:50:00Z"
    )
    assert when(created["impact_started_at"]) == START - timedelta(minutes=30)
    assert when(created["detected_at"]) == START - timedelta(minutes=10)
    assert when(created["declared_at"]) == START
    assert created["durations"]["time_to_detect"] == 1200.0


def test_declare_normalises_offsets_to_utc(api: Harness) -> None:
    created = api.declare(detected_at="2026-03-02T09:50:00+01:00")
    assert created["detected_at"] == "2026-03-02T08:50:00Z"
    assert created["impact_started_at"] == "2026-03-02T08:50:00Z"
    assert api.ok("GET", f"{INCIDENTS}/INC-1")["detected_at"] == "2026-03-02T08:50:00Z"


def test_correction_normalises_offsets_to_utc(api: Harness) -> None:
    walked(api)
    response = correct(api, "resolved_at", "2026-03-02T10:40:00+01:00")
    assert response.status_code == 200, response.text
    assert response.json()["resolved_at"] == "2026-03-02T09:40:00Z"
    assert timeline(api)[-1]["after"]["resolved_at"] == "2026-03-02T09:40:00+00:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"impact_started_at": "2026-03-02T08:59:00Z", "detected_at": "2026-03-02T08:00:00Z"},
            "impact_started_at",
        ),
        ({"impact_started_at": "2026-03-02T09:30:00Z"}, "impact_started_at"),
        ({"detected_at": "2026-03-02T09:00:01Z"}, "detected_at"),
        ({"detected_at": "2026-03-02T08:00:00"}, "detected_at"),
        ({"impact_started_at": "yesterday"}, "impact_started_at"),
    ],
)
def test_declare_with_bad_timestamps_answers_422(
    api: Harness, fields: dict[str, str], field: str
) -> None:
    body = {"title": "x", "team": "payments", **fields}
    error = error_of(api.post(INCIDENTS, json=body), 422, "invalid")
    assert error["field"] == field
    assert api.ok("GET", INCIDENTS)["total"] == 0


def test_durations_are_measured_from_impact_start_and_detection(api: Harness) -> None:
    api.declare(impact_started_at="2026-03-02T08:40:00Z", detected_at="2026-03-02T08:55:00Z")
    pending = api.ok("GET", f"{INCIDENTS}/INC-1")["durations"]
    assert pending == {
        "time_to_detect": 900.0,
        "time_to_acknowledge": None,
        "time_to_mitigate": None,
        "time_to_resolve": None,
    }
    api.clock.advance(minutes=2)
    act(api, "acknowledge")
    api.clock.advance(minutes=10)
    act(api, "mitigate")
    api.clock.advance(minutes=30)
    resolved = act(api, "resolve")
    assert resolved["durations"] == {
        "time_to_detect": 900.0,
        "time_to_acknowledge": 420.0,
        "time_to_mitigate": 1020.0,
        "time_to_resolve": 2820.0,
    }
    assert api.ok("GET", f"{INCIDENTS}/INC-1/timeline")["durations"] == resolved["durations"]


def test_correction_changes_the_timestamp_and_the_durations(api: Harness) -> None:
    api.declare(impact_started_at="2026-03-02T08:30:00Z")
    api.clock.advance(minutes=5)
    act(api, "acknowledge")
    response = correct(api, "detected_at", "2026-03-02T08:52:00Z")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["detected_at"] == "2026-03-02T08:52:00Z"
    assert body["declared_at"] == "2026-03-02T09:00:00Z"
    assert body["durations"]["time_to_detect"] == 1320.0
    assert body["durations"]["time_to_acknowledge"] == 780.0


def test_detection_cannot_be_moved_before_the_defaulted_impact_start(api: Harness) -> None:
    walked(api)
    error = error_of(correct(api, "detected_at", "2026-03-02T08:52:00Z"), 422, "invalid")
    assert error["message"] == (
        "detected_at (2026-03-02T08:52:00+00:00) must not be before "
        "impact_started_at (2026-03-02T09:00:00+00:00)"
    )


def test_correction_is_recorded_with_who_and_why(api: Harness) -> None:
    walked(api)
    bob = api.user("bob")
    api.clock.advance(minutes=1)
    response = api.post(
        CORRECT,
        token=bob,
        json={"field": "mitigated_at", "value": "2026-03-02T09:15:00Z", "reason": "flag flipped"},
    )
    assert response.status_code == 200, response.text
    entry = timeline(api)[-1]
    assert entry["kind"] == "timestamp_corrected"
    assert entry["actor"] == "bob"
    assert when(entry["at"]) == START + timedelta(minutes=61)
    assert entry["before"] == {"mitigated_at": "2026-03-02T09:20:00+00:00"}
    assert entry["after"] == {"mitigated_at": "2026-03-02T09:15:00+00:00", "reason": "flag flipped"}
    assert entry["text"] == (
        "bob corrected mitigated_at from 2026-03-02T09:20:00+00:00 to "
        "2026-03-02T09:15:00+00:00: flag flipped"
    )


def test_impact_start_can_be_moved_earlier(api: Harness) -> None:
    walked(api)
    response = correct(api, "impact_started_at", "2026-03-02T08:30:00Z")
    assert response.status_code == 200, response.text
    assert response.json()["durations"]["time_to_detect"] == 1800.0


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("impact_started_at", "2026-03-02T09:01:00Z", "detected_at"),
        ("detected_at", "2026-03-02T09:06:00Z", "acknowledged_at"),
        ("acknowledged_at", "2026-03-02T08:59:00Z", "acknowledged_at"),
        ("acknowledged_at", "2026-03-02T09:21:00Z", "mitigated_at"),
        ("mitigated_at", "2026-03-02T09:46:00Z", "resolved_at"),
        ("resolved_at", "2026-03-02T09:19:00Z", "resolved_at"),
    ],
)
def test_correction_out_of_order_answers_422_naming_the_field(
    api: Harness, field: str, value: str, named: str
) -> None:
    walked(api)
    before = api.ok("GET", f"{INCIDENTS}/INC-1")
    entries = timeline(api)
    error = error_of(correct(api, field, value), 422, "invalid")
    assert error["field"] == "value"
    assert f"{named} (" in error["message"]
    assert "must not be before" in error["message"]
    assert api.ok("GET", f"{INCIDENTS}/INC-1") == before
    assert timeline(api) == entries


def test_correction_into_the_future_answers_422(api: Harness) -> None:
    walked(api)
    error = error_of(correct(api, "resolved_at", "2026-03-02T10:00:01Z"), 422, "invalid")
    assert error["field"] == "value"
    assert error["message"] == "resolved_at must not be in the future"


def test_correction_up_to_now_is_allowed(api: Harness) -> None:
    walked(api)
    response = correct(api, "resolved_at", "2026-03-02T10:00:00Z")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "acknowledged_at"),
        (["acknowledge"], "mitigated_at"),
        (["mitigate"], "resolved_at"),
        (["resolve"], "closed_at"),
    ],
)
def test_correcting_a_timestamp_not_reached_yet_answers_422(
    api: Harness, steps: list[str], field: str
) -> None:
    api.declare()
    for step in steps:
        act(api, step)
    api.clock.advance(hours=1)
    error = error_of(correct(api, field, "2026-03-02T09:30:00Z"), 422, "invalid")
    assert error["field"] == "field"
    assert field in error["message"]
    assert api.ok("GET", f"{INCIDENTS}/INC-1")[field] is None


def test_timestamps_cleared_by_a_reopen_cannot_be_corrected(api: Harness) -> None:
    walked(api)
    act(api, "reopen")
    error = error_of(correct(api, "resolved_at", "2026-03-02T09:30:00Z"), 422, "invalid")
    assert error["field"] == "field"
    error = error_of(correct(api, "mitigated_at", "2026-03-02T09:30:00Z"), 422, "invalid")
    assert error["field"] == "field"
    assert error["message"] == "mitigated_at cannot be set while INC-1 is acknowledged"


def test_closed_at_can_be_corrected_once_closed(api: Harness) -> None:
    walked(api)
    close(api)
    response = correct(api, "closed_at", "2026-03-02T09:50:00Z")
    assert response.status_code == 200, response.text
    assert response.json()["closed_at"] == "2026-03-02T09:50:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"field": "declared_at", "value": "2026-03-02T09:00:00Z", "reason": "x"}, "field"),
        ({"field": "detected_at", "value": "2026-03-02T08:00:00", "reason": "x"}, "value"),
        ({"field": "detected_at", "value": "soon", "reason": "x"}, "value"),
        ({"field": "detected_at", "value": "2026-03-02T08:00:00Z"}, "reason"),
        ({"field": "detected_at", "value": "2026-03-02T08:00:00Z", "reason": ""}, "reason"),
        ({"value": "2026-03-02T08:00:00Z", "reason": "x"}, "field"),
        (
            {"field": "detected_at", "value": "2026-03-02T08:00:00Z", "reason": "x", "by": "me"},
            "by",
        ),
    ],
)
def test_malformed_correction_answers_422_naming_the_field(
    api: Harness, body: dict[str, str], field: str
) -> None:
    walked(api)
    entries = timeline(api)
    error = error_of(api.post(CORRECT, json=body), 422, "invalid")
    assert error["field"] == field
    assert timeline(api) == entries
