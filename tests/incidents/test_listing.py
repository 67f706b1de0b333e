"""Listing incidents: filters and pagination."""

from __future__ import annotations

from typing import Any

import pytest

from tests.incidents.helpers import INCIDENTS, act, close, error_of
from tests.support.api import Harness


def refs(api: Harness, **params: Any) -> list[str]:
    page = api.ok("GET", INCIDENTS, params=params)
    return [item["ref"] for item in page["items"]]


@pytest.fixture
def seeded(api: Harness) -> Harness:
    """INC-1..INC-5 detected an hour apart from 08:00, in several teams and states."""
    rows = [
        ("SEV1", "payments", ["payments-api"], "2026-03-02T05:00:00Z"),
        ("SEV2", "checkout", ["checkout-api", "payments-api"], "2026-03-02T06:00:00Z"),
        ("SEV3", "platform", ["postgres-primary"], "2026-03-02T07:00:00Z"),
        ("SEV1", "checkout", [], "2026-03-02T08:00:00Z"),
        ("SEV4", "payments", ["payments-api"], "2026-03-02T09:00:00Z"),
    ]
    for severity, team, services, detected in rows:
        api.declare(severity=severity, team=team, services=services, detected_at=detected)
    act(api, "acknowledge", "INC-2")
    act(api, "resolve", "INC-3")
    act(api, "resolve", "INC-4")
    close(api, "INC-4")
    return api


def test_list_is_newest_first_with_totals(seeded: Harness) -> None:
    page = seeded.ok("GET", INCIDENTS)
    assert [i["ref"] for i in page["items"]] == ["INC-5", "INC-4", "INC-3", "INC-2", "INC-1"]
    assert page["total"] == 5
    assert page["limit"] == 50
    assert page["offset"] == 0
    assert page["next_offset"] is None
    assert page["items"][-1] == seeded.ok("GET", f"{INCIDENTS}/INC-1")


def test_filter_by_status(seeded: Harness) -> None:
    assert refs(seeded, status="triggered") == ["INC-5", "INC-1"]
    assert refs(seeded, status=["resolved", "closed"]) == ["INC-4", "INC-3"]
    assert refs(seeded, status="mitigated") == []


def test_filter_by_severity(seeded: Harness) -> None:
    assert refs(seeded, severity="SEV1") == ["INC-4", "INC-1"]
    assert refs(seeded, severity=["SEV2", "SEV4"]) == ["INC-5", "INC-2"]


def test_filter_by_team_and_service(seeded: Harness) -> None:
    assert refs(seeded, team="checkout") == ["INC-4", "INC-2"]
    assert refs(seeded, service="payments-api") == ["INC-5", "INC-2", "INC-1"]
    assert refs(seeded, team="payments", service="payments-api") == ["INC-5", "INC-1"]
    assert refs(seeded, team="nobody") == []


def test_filter_by_detection_window(seeded: Harness) -> None:
    assert refs(seeded, since="2026-03-02T07:00:00Z") == ["INC-5", "INC-4", "INC-3"]
    assert refs(seeded, until="2026-03-02T07:00:00Z") == ["INC-2", "INC-1"]
    assert refs(seeded, since="2026-03-02T06:00:00Z", until="2026-03-02T08:00:00Z") == [
        "INC-3",
        "INC-2",
    ]
    assert refs(seeded, since="2026-03-02T08:00:00+02:00") == [
        "INC-5",
        "INC-4",
        "INC-3",
        "INC-2",
    ]


def test_filters_combine(seeded: Harness) -> None:
    assert refs(seeded, severity="SEV1", status="triggered", team="payments") == ["INC-1"]


def test_pagination(seeded: Harness) -> None:
    first = seeded.ok("GET", INCIDENTS, params={"limit": 2})
    assert [i["ref"] for i in first["items"]] == ["INC-5", "INC-4"]
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (5, 2, 0, 2)
    second = seeded.ok("GET", INCIDENTS, params={"limit": 2, "offset": 2})
    assert [i["ref"] for i in second["items"]] == ["INC-3", "INC-2"]
    assert second["next_offset"] == 4
    last = seeded.ok("GET", INCIDENTS, params={"limit": 2, "offset": 4})
    assert [i["ref"] for i in last["items"]] == ["INC-1"]
    assert last["next_offset"] is None
    beyond = seeded.ok("GET", INCIDENTS, params={"limit": 2, "offset": 10})
    assert beyond["items"] == []
    assert beyond["total"] == 5
    assert beyond["next_offset"] is None


def test_pagination_counts_only_filtered_rows(seeded: Harness) -> None:
    page = seeded.ok("GET", INCIDENTS, params={"team": "payments", "limit": 1})
    assert [i["ref"] for i in page["items"]] == ["INC-5"]
    assert page["total"] == 2
    assert page["next_offset"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open"}, "status[0]"),
        ({"team": "a\x00b"}, "team"),
        ({"service": "a\x00b"}, "service"),
        ({"severity": "a\x00b"}, "severity[0]"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "99999999999999999999999"}, "offset"),
        ({"since": "last week"}, "since"),
        ({"until": "2026-03-02T08:00:00"}, "until"),
    ],
)
def test_bad_filters_answer_422_naming_the_parameter(
    api: Harness, params: dict[str, Any], field: str
) -> None:
    api.declare()
    error = error_of(api.get(INCIDENTS, params=params), 422, "invalid")
    assert error["field"] == field


def test_empty_list(api: Harness) -> None:
    assert api.ok("GET", INCIDENTS) == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
        "next_offset": None,
    }
