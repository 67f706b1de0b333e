"""Public updates name the incident for status pages (its title stays internal): a public
title comes only with a public update and is kept until a later one changes it."""

from __future__ import annotations

from tests.incidents.helpers import INCIDENTS, error_of, timeline
from tests.support.api import Harness

UPDATES = f"{INCIDENTS}/INC-1/updates"


def test_a_public_update_names_the_incident_for_status_pages(api: Harness) -> None:
    declared = api.declare(title="pg primary OOM on db-7")
    assert declared["public_title"] is None and declared["last_public_update_at"] is None
    body = {"text": "Payments fail", "audience": "public", "public_title": " Payments failing "}
    created = api.ok("POST", UPDATES, json=body)
    incident = api.ok("GET", f"{INCIDENTS}/INC-1")
    assert incident["public_title"] == "Payments failing"
    assert incident["title"] == "pg primary OOM on db-7"
    assert incident["last_public_update_at"] == "2026-03-02T09:00:00Z"
    [entry] = [e for e in timeline(api) if e["kind"] == "status_update"]
    assert entry["after"]["update_id"] == created["id"]
    assert entry["after"]["public_title"] == "Payments failing"

    api.clock.advance(minutes=5)
    api.ok("POST", UPDATES, json={"text": "Still on it", "audience": "public"})
    api.ok("POST", UPDATES, json={"text": "internal", "audience": "internal"})
    incident = api.ok("GET", f"{INCIDENTS}/INC-1")
    assert incident["public_title"] == "Payments failing"
    assert incident["last_public_update_at"] == "2026-03-02T09:05:00Z"


def test_a_public_title_needs_a_public_update(api: Harness) -> None:
    api.declare()
    body = {"text": "x", "audience": "internal", "public_title": "Payments failing"}
    error = error_of(api.post(UPDATES, json=body), 422)
    assert error["field"] == "public_title"
    assert error["message"] == "public_title is only for public updates"
    too_long = {"text": "x", "audience": "public", "public_title": "x" * 201}
    assert error_of(api.post(UPDATES, json=too_long), 422)["field"] == "public_title"
