"""Ids and offsets out of the database's range are refused with 422 naming the parameter,
never a 500 from an integer the database cannot hold."""

from __future__ import annotations

import pytest

from tests.support.api import Harness

HUGE = "99999999999999999999"
ROUTES = [
    ("GET", f"/api/v1/alerts?offset={HUGE}", "offset"),
    ("GET", f"/api/v1/alerts/{HUGE}", "alert_id"),
    ("GET", f"/api/v1/deliveries?offset={HUGE}", "offset"),
    ("GET", f"/api/v1/deliveries/{HUGE}", "delivery_id"),
    ("POST", f"/api/v1/deliveries/{HUGE}/retry", "delivery_id"),
    ("DELETE", f"/api/v1/silences/{HUGE}", "silence_id"),
    ("DELETE", f"/api/v1/maintenance/{HUGE}", "silence_id"),
    ("GET", f"/api/v1/deploys/{HUGE}", "deploy_id"),
    ("GET", f"/api/v1/errors/issues?offset={HUGE}", "offset"),
    ("GET", f"/api/v1/incidents?offset={HUGE}", "offset"),
]


@pytest.mark.parametrize(("method", "path", "field"), ROUTES)
def test_an_integer_out_of_range_is_a_422_naming_it(
    api: Harness, method: str, path: str, field: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_an_override_id_out_of_range_is_a_422_naming_it(api: Harness) -> None:
    response = api.request("DELETE", f"/api/v1/schedules/any/overrides/{HUGE}")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "override_id"


@pytest.mark.parametrize("ref", ["²", "٣", HUGE, "PAYMENTS-API-99999999999999"])
def test_an_error_issue_ref_that_cannot_exist_is_a_404(api: Harness, ref: str) -> None:
    response = api.request("POST", f"/api/v1/errors/issues/{ref}/unresolve")
    assert response.status_code == 404, response.text
    assert response.json()["error"]["field"] == "issue"
