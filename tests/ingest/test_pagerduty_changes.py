"""PagerDuty change events (deploys, config changes) → service changes, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from tests.alerts.support import alerts, custom_app, integration
from tests.support.api import Harness

CHANGE = "/v2/change/enqueue"
ROUTING_KEY = "pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32"
PROCESSED = b'{"status":"success","message":"Change event processed"}'
INVALID = b'{"status":"invalid event","message":"Event object is invalid","errors":%s}'


def change_event(**payload: Any) -> dict[str, Any]:
    """A change event as the PagerDuty documentation shows it; ``None`` removes a field."""
    body: dict[str, Any] = {
        "summary": "Build 2231 deployed to checkout-api",
        "timestamp": "2026-03-02T08:40:00.000+0000",
        "source": "ci.example.com",
        "custom_details": {"build": 2231, "commit": "4f2a9c1", "service": "checkout-api"},
    }
    body.update(payload)
    return {
        "routing_key": ROUTING_KEY,
        "payload": {k: v for k, v in body.items() if v is not None},
        "links": [{"href": "https://ci.example.com/builds/2231", "text": "Build 2231"}],
    }


def send(api: Harness, event: dict[str, Any]) -> None:
    response = api.ingest(CHANGE, json=event)
    assert (response.status_code, response.content) == (202, PROCESSED), response.text


def changes(api: Harness, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.ok("GET", "/api/v1/changes", params=params)
    return found


def test_change_event_is_stored_and_listed(api: Harness) -> None:
    send(api, change_event())
    [change] = changes(api)
    assert change == {
        "id": change["id"],
        "integration": "pd",
        "service": "checkout-api",
        "summary": "Build 2231 deployed to checkout-api",
        "source": "ci.example.com",
        "happened_at": "2026-03-02T08:40:00Z",
        "received_at": "2026-03-02T09:00:00Z",
        "links": [{"href": "https://ci.example.com/builds/2231", "text": "Build 2231"}],
        "details": {"build": 2231, "commit": "4f2a9c1", "service": "checkout-api"},
    }
    assert changes(api, service="checkout-api") == [change]
    api.drain()
    assert alerts(api) == []
    assert integration(api, "pd")["counters"] == {"accepted": 1}


def test_minimal_change_event_happened_when_received(api: Harness) -> None:
    send(api, {"routing_key": ROUTING_KEY, "payload": {"summary": "Feature flag flipped"}})
    [change] = changes(api)
    assert change["happened_at"] == change["received_at"] == "2026-03-02T09:00:00Z"
    assert (change["service"], change["source"]) == (None, None)
    assert (change["links"], change["details"]) == ([], {})


def test_service_is_the_integration_default_unless_a_configured_one_is_named(
    engine: Engine, tmp_path: Path
) -> None:
    def default_service(doc: dict[str, Any]) -> None:
        doc["integrations"][1]["service"] = "payments-api"

    with custom_app(engine, tmp_path, default_service) as api:
        send(api, change_event(summary="named", timestamp="2026-03-02T08:01:00Z"))
        unknown = {"service": "no-such-service"}
        send(
            api,
            change_event(
                summary="unknown", timestamp="2026-03-02T08:02:00Z", custom_details=unknown
            ),
        )
        send(
            api,
            change_event(summary="unnamed", timestamp="2026-03-02T08:03:00Z", custom_details=None),
        )
        assert [(c["summary"], c["service"]) for c in changes(api)] == [
            ("unnamed", "payments-api"),
            ("unknown", "payments-api"),
            ("named", "checkout-api"),
        ]


INVALID_CHANGES = [
    ({"routing_key": "short"}, "Length of 'routing_key' is incorrect (should be 32 characters)"),
    ({"payload": None}, "'payload' is missing or blank"),
    ({"payload": {"source": "ci"}}, "'payload.summary' is missing or blank"),
    ({"payload": {"summary": "s" * 1025}}, "'payload.summary' is too long (max 1024)"),
    (
        {"payload": {"summary": "deploy", "timestamp": "last tuesday"}},
        "'payload.timestamp' is not a valid ISO 8601 timestamp",
    ),
    (
        {"payload": {"summary": "deploy", "source": "s" * 256}},
        "'payload.source' is too long (max 255)",
    ),
    ({"links": [{"text": "Build"}]}, "'links[0].href' is missing or blank"),
    ({"payload": {"summary": "x\u0000y"}}, "'payload.summary' must not contain NUL characters"),
]


def test_invalid_change_events_are_refused_naming_the_field(api: Harness) -> None:
    for fields, error in INVALID_CHANGES:
        event = change_event() | fields
        response = api.ingest(CHANGE, json={k: v for k, v in event.items() if v is not None})
        assert (response.status_code, response.content) == (
            400,
            INVALID % orjson.dumps([error]),
        ), fields
    assert changes(api) == []


def test_unknown_routing_key_is_404(api: Harness) -> None:
    for key in ("0" * 32, "am-test-key-0123456789abcdefghij"):
        response = api.ingest(CHANGE, json=change_event() | {"routing_key": key})
        assert response.status_code == 404
        assert response.content == (
            b'{"status":"unknown routing key",'
            b'"message":"No PagerDuty integration has this routing_key"}'
        )
    assert changes(api) == []


def test_change_event_over_512_kb_is_refused(api: Harness) -> None:
    event = change_event(custom_details={"diff": "x" * (512 * 1024)})
    response = api.ingest(CHANGE, json=event)
    assert response.status_code == 413
    assert response.json()["status"] == "request too large"
    assert changes(api) == []


def test_change_events_share_the_rate_limit(engine: Engine, tmp_path: Path) -> None:
    def small_limit(doc: dict[str, Any]) -> None:
        doc["integrations"][1]["rate_limit"] = {"per_second": 1, "burst": 2}

    with custom_app(engine, tmp_path, small_limit) as api:
        send(api, change_event())
        send(api, change_event())
        # The bucket refills one per second, so a slow machine may get one more through.
        answers = [api.ingest(CHANGE, json=change_event()) for _ in range(4)]
        refused = [a for a in answers if a.status_code == 429]
        assert refused, [a.status_code for a in answers]
        assert {(a.headers["retry-after"], a.json()["status"]) for a in refused} == {
            ("1", "throttle event")
        }
        assert len(changes(api)) == 2 + len(answers) - len(refused)
