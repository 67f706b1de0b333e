"""PagerDuty Events API v2 alert events → durable signals → alerts → incidents, in-process
on both databases; answers are compared byte for byte with PagerDuty's."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tests.alerts.support import (
    alerts,
    custom_app,
    incidents,
    integration,
    only_alert,
    timeline_kinds,
)
from tests.support.api import Harness

ENQUEUE = "/v2/enqueue"
ROUTING_KEY = "pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32"
DEDUP_KEY = "srv01/checkout-db/connections"
PROCESSED = b'{"status":"success","message":"Event processed","dedup_key":"%s"}'
DROPPED = (
    b'{"status":"success","message":"Event dropped: no open alert with this dedup_key",'
    b'"dedup_key":"%s"}'
)
INVALID = b'{"status":"invalid event","message":"Event object is invalid","errors":%s}'
UNKNOWN_KEY = (
    b'{"status":"unknown routing key","message":"No PagerDuty integration has this routing_key"}'
)


def trigger(**changes: Any) -> dict[str, Any]:
    """A trigger as the PagerDuty documentation shows it; ``None`` removes a field."""
    event: dict[str, Any] = {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": DEDUP_KEY,
        "payload": {
            "summary": "DB connections at 95% on checkout-db",
            "source": "srv01.checkout.example.com",
            "severity": "critical",
            "timestamp": "2026-03-02T08:55:00.000+0000",
            "component": "postgres",
            "group": "checkout-db",
            "class": "connections",
            "custom_details": {"connections": 950, "max": 1000},
        },
        "client": "Monitoring Service",
        "client_url": "https://monitoring.example.com/checkout-db",
        "links": [{"href": "https://runbooks.example.com/db", "text": "Runbook"}],
        "images": [{"src": "https://graphs.example.com/db.png", "alt": "connections"}],
    }
    for name, value in changes.items():
        target, _, field = name.rpartition("__")
        holder = event["payload"] if target == "payload" else event
        key = field if target else name
        if value is None:
            holder.pop(key, None)
        else:
            holder[key] = value
    return event


def action(name: str, key: str = DEDUP_KEY) -> dict[str, Any]:
    return {"routing_key": ROUTING_KEY, "event_action": name, "dedup_key": key}


def send(api: Harness, event: dict[str, Any], answer: bytes | None = None) -> None:
    response = api.ingest(ENQUEUE, json=event)
    assert response.status_code == 202, response.text
    if answer is not None:
        assert response.content == answer
    assert response.headers["content-type"] == "application/json"


def test_trigger_opens_alert_and_incident(api: Harness) -> None:
    send(api, trigger(), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    alert = only_alert(api)
    assert alert["source"] == "pagerduty"
    assert alert["integration"] == "pd"
    assert alert["identity"] == DEDUP_KEY
    assert alert["status"] == "firing"
    assert alert["title"] == "DB connections at 95% on checkout-db"
    assert alert["severity"] == "critical"
    assert alert["labels"] == {
        "severity": "critical",
        "source": "srv01.checkout.example.com",
        "component": "postgres",
        "group": "checkout-db",
        "class": "connections",
    }
    assert alert["group_key"] == "checkout-db"
    assert alert["links"] == [
        {"href": "https://runbooks.example.com/db", "text": "Runbook"},
        {"href": "https://monitoring.example.com/checkout-db", "text": "Monitoring Service"},
    ]
    assert alert["starts_at"].startswith("2026-03-02T08:55:00")
    assert alert["team"] == "payments"
    assert alert["routed_by"]["step"] == "integration_default"
    assert alert["decision"] == "incident"
    assert alert["occurrences"] == 1
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["severity"] == "SEV1"
    assert incident["team"] == "payments"
    assert incident["impact_started_at"].startswith("2026-03-02T08:55:00")
    assert integration(api, "pd")["signals"] == {"opened": 1}


def test_trigger_keeps_details_on_the_signal(api: Harness, engine: Engine) -> None:
    send(api, trigger())
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT data FROM signals").scalar_one()
    data = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    assert data["details"] == {
        "source": "srv01.checkout.example.com",
        "component": "postgres",
        "group": "checkout-db",
        "class": "connections",
        "custom_details": {"connections": 950, "max": 1000},
        "client": "Monitoring Service",
        "client_url": "https://monitoring.example.com/checkout-db",
        "images": [{"src": "https://graphs.example.com/db.png", "alt": "connections"}],
    }


def test_second_trigger_with_same_key_is_an_occurrence_of_the_same_alert(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    api.clock.advance(minutes=5)
    send(api, trigger(payload__summary="DB connections at 99% on checkout-db"))
    api.drain()
    alert = only_alert(api)
    assert alert["occurrences"] == 2
    assert alert["title"] == "DB connections at 99% on checkout-db"
    assert len(incidents(api)) == 1


def test_retry_of_identical_event_changes_nothing(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    send(api, trigger(), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    alert = only_alert(api)
    assert alert["occurrences"] == 1
    assert [e["kind"] for e in alert["events"]].count("occurred") == 0
    assert integration(api, "pd")["signals"] == {"opened": 1, "duplicate": 1}


def test_acknowledge_acknowledges_the_open_alert(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    api.clock.advance(minutes=3)
    send(api, action("acknowledge"), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    alert = only_alert(api)
    assert alert["status"] == "acknowledged"
    assert alert["acknowledged_at"].startswith("2026-03-02T09:03:00")


def test_resolve_resolves_the_alert_and_mitigates_the_incident(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    api.clock.advance(minutes=20)
    send(api, action("resolve"), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["resolved_at"].startswith("2026-03-02T09:20:00")
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["status"] == "mitigated"
    assert timeline_kinds(api, incident["ref"])[-1] == "status_changed"


def test_trigger_after_resolve_opens_a_new_alert(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    api.clock.advance(minutes=20)
    send(api, action("resolve"))
    api.drain()
    api.clock.advance(minutes=20)
    send(api, trigger(payload__timestamp="2026-03-02T09:39:00Z"), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    first, second = alerts(api)
    assert (first["status"], second["status"]) == ("resolved", "firing")
    assert first["identity"] == second["identity"] == DEDUP_KEY
    assert second["occurrences"] == 1


# Captured from Alertmanager 0.25 (`pagerduty_configs: [{url: …, routing_key: …}]`, nothing
# else set): the dedup_key is the SHA-256 of the group key, severity defaults to "error".
AM_DEDUP_KEY = "cc9772a1ec901d26ef71dae861793e4d08979fa5030a3f0a5f3ba549f1f2d0b6"
AM_FIRING = (
    b'{"routing_key":"pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32","dedup_key":"'
    + AM_DEDUP_KEY.encode()
    + b'","event_action":"trigger","payload":{"summary":"[FIRING:1]  (HighLatency api warning)",'
    b'"source":"Alertmanager","severity":"error","custom_details":{"firing":"Labels:\\n - '
    b"alertname = HighLatency\\n - service = api\\n - severity = warning\\nAnnotations:\\n - "
    b'summary = p99 \\u003e 1s\\nSource: http://prom/graph\\n","num_firing":"1",'
    b'"num_resolved":"0","resolved":""}},"client":"Alertmanager",'
    b'"client_url":"http://vm:19093/#/alerts?receiver=pd"}'
)
AM_RESOLVED = (
    b'{"routing_key":"pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32","dedup_key":"'
    + AM_DEDUP_KEY.encode()
    + b'","event_action":"resolve","payload":{"summary":"[RESOLVED]  (HighLatency api warning)",'
    b'"source":"Alertmanager","severity":"error","custom_details":{"firing":"",'
    b'"num_firing":"0","num_resolved":"1","resolved":"Labels:\\n - alertname = HighLatency\\n - '
    b"service = api\\n - severity = warning\\nAnnotations:\\n - summary = p99 \\u003e 1s\\n"
    b'Source: http://prom/graph\\n"}},"client":"Alertmanager",'
    b'"client_url":"http://vm:19093/#/alerts?receiver=pd"}'
)


def test_alertmanager_pagerduty_configs_events(api: Harness) -> None:
    headers = {"content-type": "application/json", "user-agent": "Alertmanager/0.25.0"}
    for body in (AM_FIRING, AM_RESOLVED):
        response = api.ingest(ENQUEUE, content=body, headers=headers)
        assert (response.status_code, response.content) == (
            202,
            PROCESSED % AM_DEDUP_KEY.encode(),
        )
        api.drain()
    alert = only_alert(api)
    assert (alert["status"], alert["severity"]) == ("resolved", "error")
    assert alert["title"] == "[FIRING:1]  (HighLatency api warning)"
    assert alert["links"] == [
        {"href": "http://vm:19093/#/alerts?receiver=pd", "text": "Alertmanager"}
    ]
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert (incident["severity"], incident["status"]) == ("SEV2", "mitigated")


@pytest.mark.parametrize("name", ["acknowledge", "resolve"])
def test_ack_or_resolve_of_a_resolved_alert_is_dropped(api: Harness, name: str) -> None:
    send(api, trigger())
    api.drain()
    send(api, action("resolve"))
    api.drain()
    before = only_alert(api)
    send(api, action(name), DROPPED % DEDUP_KEY.encode())
    api.drain()
    assert only_alert(api) == before
    assert integration(api, "pd")["signals"] == {"opened": 1, "updated": 1, "dropped": 1}


@pytest.mark.parametrize("name", ["acknowledge", "resolve"])
def test_ack_or_resolve_of_an_unknown_key_is_dropped(api: Harness, name: str) -> None:
    send(api, action(name, "never-triggered"), DROPPED % b"never-triggered")
    api.drain()
    assert alerts(api) == []
    assert integration(api, "pd")["signals"] == {"dropped": 1}


def test_ack_of_a_trigger_the_worker_has_not_run_yet_applies(api: Harness) -> None:
    send(api, trigger())
    send(api, action("acknowledge"), PROCESSED % DEDUP_KEY.encode())
    api.drain()
    assert only_alert(api)["status"] == "acknowledged"


def test_ack_after_a_pending_resolve_is_dropped(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    send(api, action("resolve"), PROCESSED % DEDUP_KEY.encode())
    send(api, action("acknowledge"), DROPPED % DEDUP_KEY.encode())
    api.drain()
    assert only_alert(api)["status"] == "resolved"


def test_same_dedup_key_on_another_integration_is_another_alert(
    engine: Engine, tmp_path: Path
) -> None:
    other_key = "qrqrqrqrqrqrqrqrqrqrqrqrqrqrqr32"

    def add_integration(doc: dict[str, Any]) -> None:
        doc["integrations"].append(
            {"slug": "pd-2", "kind": "pagerduty", "key": other_key, "team": "checkout"}
        )

    with custom_app(engine, tmp_path, add_integration) as api:
        send(api, trigger())
        send(api, action("resolve") | {"routing_key": other_key}, DROPPED % DEDUP_KEY.encode())
        api.drain()
        assert only_alert(api)["status"] == "firing"


@pytest.mark.parametrize("dedup_key", [None, ""])
def test_trigger_without_dedup_key_gets_a_new_one(api: Harness, dedup_key: str | None) -> None:
    response = api.ingest(ENQUEUE, json=trigger(dedup_key=dedup_key))
    assert response.status_code == 202
    body = response.json()
    assert list(body) == ["status", "message", "dedup_key"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["dedup_key"])
    assert response.content == PROCESSED % body["dedup_key"].encode()
    api.drain()
    assert only_alert(api)["identity"] == body["dedup_key"]


def test_acknowledge_ignores_its_payload_and_needs_no_other_field(api: Harness) -> None:
    send(api, trigger())
    api.drain()
    send(api, action("acknowledge") | {"payload": {"summary": 3}}, PROCESSED % DEDUP_KEY.encode())


def test_environment_default_of_the_integration_applies(engine: Engine, tmp_path: Path) -> None:
    def production(doc: dict[str, Any]) -> None:
        doc["integrations"][1]["environment"] = "production"

    with custom_app(engine, tmp_path, production) as api:
        send(api, trigger())
        api.drain()
        assert only_alert(api)["environment"] == "production"


BAD_SEVERITY = "'payload.severity' must be one of critical, error, warning, info"
BAD_TIMESTAMP = "'payload.timestamp' is not a valid ISO 8601 timestamp"
INVALID_EVENTS = [
    (
        {"routing_key": "tooshort"},
        "Length of 'routing_key' is incorrect (should be 32 characters)",
    ),
    ({"routing_key": None}, "'routing_key' is missing or blank"),
    ({"routing_key": 32}, "'routing_key' must be a string"),
    ({"event_action": None}, "'event_action' is missing or blank"),
    ({"event_action": " "}, "'event_action' is missing or blank"),
    ({"event_action": "escalate"}, "'event_action' must be one of trigger, acknowledge, resolve"),
    ({"dedup_key": "k" * 256}, "Length of 'dedup_key' is too long (max 255)"),
    ({"dedup_key": 7}, "'dedup_key' must be a string"),
    ({"payload": None}, "'payload' is missing or blank"),
    ({"payload": "DB down"}, "'payload' must be an object"),
    ({"payload__summary": None}, "'payload.summary' is missing or blank"),
    ({"payload__summary": ""}, "'payload.summary' is missing or blank"),
    ({"payload__summary": "s" * 1025}, "'payload.summary' is too long (max 1024)"),
    ({"payload__source": None}, "'payload.source' is missing or blank"),
    ({"payload__severity": None}, "'payload.severity' is missing or blank"),
    ({"payload__severity": "page"}, BAD_SEVERITY),
    ({"payload__severity": "CRITICAL"}, BAD_SEVERITY),
    ({"payload__timestamp": "yesterday"}, BAD_TIMESTAMP),
    ({"payload__timestamp": 1772441700}, BAD_TIMESTAMP),
    ({"payload__component": ["db"]}, "'payload.component' must be a string"),
    ({"payload__group": "g" * 1025}, "'payload.group' is too long (max 1024)"),
    ({"links": {"href": "x"}}, "'links' must be a list"),
    ({"links": [{"text": "Runbook"}]}, "'links[0].href' is missing or blank"),
    ({"links": ["https://x"]}, "'links[0]' must be an object"),
    ({"images": [{"alt": "graph"}]}, "'images[0].src' is missing or blank"),
    ({"dedup_key": "a\u0000b"}, "'dedup_key' must not contain NUL characters"),
    ({"payload__summary": "DB\u0000down"}, "'payload.summary' must not contain NUL characters"),
    ({"payload__timestamp": "9999-12-31T23:59:59-14:00"}, "'payload.timestamp' is out of range"),
]


def test_invalid_events_are_refused_naming_the_field(api: Harness) -> None:
    for changes, error in INVALID_EVENTS:
        response = api.ingest(ENQUEUE, json=trigger(**changes))
        assert (response.status_code, response.content) == (
            400,
            INVALID % orjson.dumps([error]),
        ), changes
    api.drain()
    assert alerts(api) == []
    # A refusal is counted for the integration its routing_key names, if it names one.
    with_valid_key = sum("routing_key" not in changes for changes, _ in INVALID_EVENTS)
    assert integration(api, "pd")["counters"] == {"malformed": with_valid_key}
    assert integration(api, "pd")["signals"] == {}


@pytest.mark.parametrize("name", ["acknowledge", "resolve"])
def test_ack_and_resolve_need_a_dedup_key(api: Harness, name: str) -> None:
    response = api.ingest(ENQUEUE, json=action(name) | {"dedup_key": None})
    assert response.status_code == 400
    assert response.content == INVALID % b"[\"'dedup_key' is missing or blank\"]"


def test_every_problem_is_reported_at_once(api: Harness) -> None:
    event = trigger(routing_key="short", payload__summary=None, payload__severity="fatal")
    response = api.ingest(ENQUEUE, json=event)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Length of 'routing_key' is incorrect (should be 32 characters)",
        "'payload.summary' is missing or blank",
        "'payload.severity' must be one of critical, error, warning, info",
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[1, 2]", "Event object must be a JSON object"),
        (b"{not json", "body is not valid JSON: "),
    ],
)
def test_body_that_is_no_event_object_is_refused(api: Harness, body: bytes, error: str) -> None:
    response = api.ingest(ENQUEUE, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    doc = response.json()
    assert doc["status"] == "invalid event"
    assert doc["message"] == "Event object is invalid"
    assert doc["errors"][0].startswith(error)


def test_body_over_512_kb_is_refused(api: Harness) -> None:
    event = trigger(payload__custom_details={"log": "x" * (512 * 1024)})
    response = api.ingest(ENQUEUE, json=event)
    assert response.status_code == 413
    assert response.content == (
        b'{"status":"request too large","message":"body exceeds 524288 bytes"}'
    )
    api.drain()
    assert alerts(api) == []


def test_body_just_under_512_kb_is_accepted(api: Harness) -> None:
    event = trigger(payload__custom_details={"log": ""})
    size = len(orjson.dumps(event))
    event["payload"]["custom_details"]["log"] = "x" * (512 * 1024 - size)
    assert len(orjson.dumps(event)) == 512 * 1024
    send(api, event, PROCESSED % DEDUP_KEY.encode())


def test_gzip_body_is_accepted_and_unknown_encodings_refused(api: Harness) -> None:
    body = orjson.dumps(trigger())
    gzipped = api.ingest(
        ENQUEUE,
        content=gzip.compress(body),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert (gzipped.status_code, gzipped.content) == (202, PROCESSED % DEDUP_KEY.encode())
    brotli = api.ingest(ENQUEUE, content=body, headers={"content-encoding": "br"})
    assert (brotli.status_code, brotli.content) == (
        415,
        b'{"status":"invalid request","message":"unsupported Content-Encoding \'br\'"}',
    )


@pytest.mark.parametrize(
    "key",
    [
        "00000000000000000000000000000000",  # nobody's
        "am-test-key-0123456789abcdefghij",  # 32 characters, but no integration has it
    ],
)
def test_unknown_routing_key_is_404(api: Harness, key: str) -> None:
    response = api.ingest(ENQUEUE, json=trigger(routing_key=key))
    assert response.status_code == 404
    assert response.content == UNKNOWN_KEY


def test_key_of_another_kind_of_integration_gets_the_same_404(
    engine: Engine, tmp_path: Path
) -> None:
    webhook_key = "hookhookhookhookhookhookhook0032"

    def webhook_with_32_char_key(doc: dict[str, Any]) -> None:
        doc["integrations"][2]["key"] = webhook_key

    with custom_app(engine, tmp_path, webhook_with_32_char_key) as api:
        other_kind = api.ingest(ENQUEUE, json=trigger(routing_key=webhook_key))
        unknown = api.ingest(ENQUEUE, json=trigger(routing_key="0" * 32))
        assert (other_kind.status_code, unknown.status_code) == (404, 404)
        assert other_kind.content == unknown.content == UNKNOWN_KEY
        assert dict(other_kind.headers) | {"x-request-id": ""} == dict(unknown.headers) | {
            "x-request-id": ""
        }
        api.drain()
        assert alerts(api) == []
        assert integration(api, "hook")["counters"] == {}


def test_rate_limit_answers_429_with_retry_after(engine: Engine, tmp_path: Path) -> None:
    def small_limit(doc: dict[str, Any]) -> None:
        doc["integrations"][1]["rate_limit"] = {"per_second": 1, "burst": 2}

    with custom_app(engine, tmp_path, small_limit) as api:
        send(api, trigger(dedup_key="k0"))
        send(api, trigger(dedup_key="k1"))  # the burst
        # The bucket refills one per second, so a slow machine may get one more through.
        answers = [api.ingest(ENQUEUE, json=trigger(dedup_key=f"k{n}")) for n in range(2, 6)]
        refused = [a for a in answers if a.status_code == 429]
        assert refused, [a.status_code for a in answers]
        assert {a.status_code for a in answers} <= {202, 429}
        for answer in refused:
            assert answer.headers["retry-after"] == "1"
            assert answer.content == (
                b'{"status":"throttle event","message":"Requests for this integration are '
                b'arriving too quickly. Please retry later."}'
            )
        accepted = 2 + len(answers) - len(refused)
        api.drain()
        assert len(alerts(api)) == accepted
        assert integration(api, "pd")["counters"] == {
            "accepted": accepted,
            "rate_limited": len(refused),
        }


def test_refusals_are_counted_in_metrics(api: Harness) -> None:
    send(api, trigger())
    api.ingest(ENQUEUE, json=trigger(payload__summary=None))
    api.ingest(ENQUEUE, json=trigger(routing_key="0" * 32))
    api.ingest(ENQUEUE, json=trigger(payload__custom_details="x" * (600 * 1024)))
    text = api.get("/metrics").text
    for integration_slug, outcome in [
        ("pd", "accepted"),
        ("pd", "malformed"),
        ("<unknown>", "unknown_key"),
        ("<unknown>", "too_large"),
    ]:
        line = (
            f'warroom_ingest_signals_total{{integration="{integration_slug}",'
            f'outcome="{outcome}"}} 1.0'
        )
        assert line in text, line
    assert integration(api, "pd")["counters"] == {"accepted": 1, "malformed": 1}
