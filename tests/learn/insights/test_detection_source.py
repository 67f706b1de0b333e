"""Where incidents record what found them: a manual declare says person (default) or
customer, an incident opened from an alert says alert; the answer shows it."""

from __future__ import annotations

from tests.alerts.support import am_alert, send
from tests.incidents.helpers import error_of
from tests.support.api import Harness


def test_a_declared_incident_was_found_by_a_person_unless_a_customer_is_named(
    api: Harness,
) -> None:
    assert api.declare()["detection_source"] == "person"
    customer = api.declare(detected_by="customer")
    assert customer["detection_source"] == "customer"
    assert customer["drill"] is False
    assert api.ok("GET", f"/api/v1/incidents/{customer['ref']}")["detection_source"] == "customer"


def test_a_signal_source_cannot_be_claimed_by_hand(api: Harness) -> None:
    answer = api.post(
        "/api/v1/incidents",
        json={"title": "x", "severity": "SEV1", "team": "payments", "detected_by": "alert"},
    )
    error = error_of(answer, 422)
    assert error["field"] == "detected_by"
    assert api.ok("GET", "/api/v1/incidents")["total"] == 0


def test_an_incident_opened_from_an_alert_was_found_by_the_alert(api: Harness) -> None:
    send(api, am_alert("PaymentsDown", service="payments-api"))
    [incident] = api.ok("GET", "/api/v1/incidents")["items"]
    assert incident["detection_source"] == "alert"
