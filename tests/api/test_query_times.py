"""A time in a query is ISO 8601 text, as the OpenAPI document says (``date-time``); a bare
number (which pydantic would read as seconds after 1970) is a 422 naming the parameter."""

from __future__ import annotations

import pytest

from tests.support.api import Harness

ROUTES = [
    ("/api/v1/incidents", "until"),
    ("/api/v1/audit", "until"),
    ("/api/v1/insights/durations", "until"),
    ("/api/v1/postmortems/recurring-factors", "until"),
    ("/api/v1/oncall", "at"),
]


@pytest.mark.parametrize(("path", "field"), ROUTES)
def test_a_number_for_a_time_is_refused_naming_it(api: Harness, path: str, field: str) -> None:
    response = api.get(f"{path}?{field}=0.5")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert "ISO 8601" in response.json()["error"]["message"]


@pytest.mark.parametrize(("path", "field"), ROUTES)
def test_an_iso_time_is_taken(api: Harness, path: str, field: str) -> None:
    response = api.get(f"{path}?{field}=2026-12-04T10:00:00Z")
    assert response.status_code == 200, response.text
