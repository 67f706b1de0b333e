"""The raw ASGI path of Alertmanager's and PagerDuty's routes: same answers, refusals,
storage and counters as FastAPI's routes."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Message

from tests.ingest.test_alertmanager import KEY, am_payload
from tests.support.api import Harness
from warroom.ingest import alertmanager
from warroom.ingest.fastpath import sender_route
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn

V2 = f"/ingest/alertmanager/{KEY}/api/v2/alerts"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def v2_alert(**changes: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": "HighLatency", "service": "payments-api"},
        "annotations": {"summary": "p99 > 1s"},
        "startsAt": "2026-03-02T08:55:00Z",
    }
    alert.update(changes)
    return alert


@pytest.mark.parametrize(
    ("alert", "field"),
    [
        (v2_alert(startsAt=0), "[1].startsAt"),
        (v2_alert(startsAt=False), "[1].startsAt"),
        (v2_alert(endsAt="yesterday"), "[1].endsAt"),
        (v2_alert(startsAt="9999-12-31T23:59:59-23:59"), "[1].startsAt"),
        (v2_alert(labels={"alertname": 5}), "[1].labels.alertname"),
        (v2_alert(labels={}), "[1].labels"),
        (v2_alert(labels=[]), "[1].labels"),
        (v2_alert(annotations={"summary": None}), "[1].annotations.summary"),
        (v2_alert(fingerprint=""), "[1].fingerprint"),
        ("not an alert", "[1]"),
    ],
)
def test_bad_v2_alert_is_400_naming_the_field_and_nothing_is_stored(
    api: Harness, alert: Any, field: str
) -> None:
    answer = api.ingest(V2, json=[v2_alert(), alert])
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field
    assert answer.headers["x-request-id"]
    assert api.drain() == 0 or api.ok("GET", "/api/v1/alerts")["items"] == []


def test_bad_webhook_status_is_400_naming_the_field(api: Harness) -> None:
    payload = am_payload()
    payload["alerts"][0]["status"] = "pending"
    answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=payload)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "alerts[0].status"


def test_answers_echo_the_request_id_and_are_counted(api: Harness) -> None:
    answer = api.ingest(V2, json=[v2_alert()], headers={"X-Request-ID": "am-7"})
    assert (answer.status_code, answer.content) == (200, b"")
    assert answer.headers["x-request-id"] == "am-7"
    webhook = api.ingest(f"/ingest/alertmanager/{KEY}", json=am_payload())
    assert webhook.json() == {"status": "ok", "signals": 1}
    missing = api.ingest("/api/v2/alerts", json=[v2_alert()])
    assert missing.status_code == 401
    assert missing.json()["error"]["field"] == "authorization"
    assert missing.headers["www-authenticate"] == 'Bearer realm="warroom"'
    unknown = api.ingest("/ingest/alertmanager/nope/api/v2/alerts", json=[v2_alert()])
    assert unknown.status_code == 404
    text = api.get("/metrics").text
    found = {
        (tuple(sorted(s.labels.items())), s.name): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    route = ("route", "/ingest/alertmanager/{key}/api/v2/alerts")
    requests = "warroom_http_requests_total"
    assert found[((("method", "POST"), route, ("status", "200")), requests)] == 1
    assert found[((("method", "POST"), route, ("status", "404")), requests)] == 1
    latency = "warroom_http_request_duration_seconds_count"
    assert found[((("method", "POST"), route), latency)] == 2


def test_a_get_on_an_ingest_route_still_gets_405(api: Harness) -> None:
    assert api.client.get(V2).status_code == 405


def test_stored_json_is_what_a_signal_object_would_store() -> None:
    """The fast path builds the stored fields itself: same JSON, same hash, as SignalIn."""
    alert = v2_alert(
        labels={"alertname": "HighLatency", "env": "prod", "team": "payments", "severity": "p1"},
        generatorURL="http://prometheus/graph",
        endsAt="2026-03-02T08:58:00Z",
    )
    [(action, identity, data)] = alertmanager.encoded(alertmanager.parse_api_v2([alert], NOW), "x")
    expected = SignalIn(
        action=SignalAction.RESOLVE,
        identity=alertmanager.labels_fingerprint(alert["labels"]),
        title="HighLatency: p99 > 1s",
        severity="p1",
        environment="prod",
        labels=alert["labels"],
        annotations=alert["annotations"],
        links=[{"href": "http://prometheus/graph", "text": "Source"}],
        starts_at=datetime(2026, 3, 2, 8, 55, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 8, 58, tzinfo=UTC),
        team="payments",
    )
    assert (action, identity, data) == (expected.action, expected.identity, expected.to_json())


FAST_CASES: list[dict[str, Any]] = [
    v2_alert(),
    v2_alert(
        labels={"zone": "b", "alertname": "Disk", "env": "prod", "team": "db", "umlaut": "ä"},
        annotations={"description": "d", "summary": "s", "runbook": "r"},
        generatorURL="http://prometheus/graph",
        endsAt="2026-03-02T08:58:00Z",
        fingerprint="fp-1",
    ),
    v2_alert(endsAt="2026-03-02T10:00:00+01:30", environment="x"),
    v2_alert(labels={"alertname": "", "environment": "", "env": "stage"}, annotations=None),
    v2_alert(startsAt="0001-01-01T00:00:00Z", endsAt="", generatorURL=7, severity="p1"),
    v2_alert(labels={"job": "node"}, startsAt=None, annotations={}),
    v2_alert(startsAt="2026-03-02T08:55:00.123456789Z", endsAt="2026-03-02T09:00:00"),
]


@pytest.mark.parametrize("environment", [None, "", "integration-env"])
def test_fast_rows_are_the_slow_paths_rows(environment: str | None) -> None:
    """``driver_rows`` (one pass) gives exactly what parse, ``encoded`` and ``row`` give."""
    received = "2026-03-02 09:00:00.000000"

    def slow(signals: list[tuple[SignalAction, str, str]]) -> list[Any]:
        return [("am", "alertmanager", a.value, i, received, j) for a, i, j in signals]

    fast = alertmanager.driver_rows(
        FAST_CASES,
        NOW,
        webhook=False,
        environment=environment,
        integration="am",
        received=received,
    )
    expected = alertmanager.encoded(alertmanager.parse_api_v2(FAST_CASES, NOW), environment)
    assert fast == slow(expected)
    webhook = {
        "groupKey": '{}:{alertname="Disk"}',
        "alerts": [
            {**a, "status": "resolved" if i % 2 else "firing"} for i, a in enumerate(FAST_CASES)
        ],
    }
    fast = alertmanager.driver_rows(
        webhook,
        NOW,
        webhook=True,
        environment=environment,
        integration="am",
        received=received,
    )
    expected = alertmanager.encoded(alertmanager.parse_webhook(webhook, NOW), environment)
    assert fast == slow(expected)


@pytest.mark.parametrize(
    "alert",
    [
        v2_alert(annotations={"summary": "nul\x00"}),
        v2_alert(fingerprint="fp\x00"),
        v2_alert(startsAt=0),
        v2_alert(labels={}),
        "not an alert",
    ],
)
def test_fast_rows_leave_anything_odd_to_the_slow_path(alert: Any) -> None:
    rows = alertmanager.driver_rows(
        [v2_alert(), alert],
        NOW,
        webhook=False,
        environment=None,
        integration="am",
        received="r",
    )
    assert rows is None


def fallback_client(api: Harness) -> TestClient:
    """A client whose requests skip the ingest dispatcher and take FastAPI's own routes
    (router, dependencies, exception handlers, request middleware)."""
    app: Any = api.app
    return TestClient(app.fastapi_path, raise_server_exceptions=False)


def pagerduty_exchange(client: TestClient, api: Harness, prefix: str) -> list[tuple[Any, ...]]:
    """PagerDuty events covering each answer, their dedup keys starting with ``prefix``:
    (status, body, content type) of each answer, ``prefix`` taken out of the body."""
    from tests.ingest.test_pagerduty import ENQUEUE, action, trigger

    too_large = trigger(payload__custom_details="x" * (600 * 1024))
    zipped = gzip.compress(orjson.dumps(trigger(dedup_key=f"{prefix}zipped")))
    requests: list[dict[str, Any]] = [
        {"json": trigger(dedup_key=f"{prefix}first")},
        {"json": trigger(dedup_key=f"{prefix}second")},
        {"json": action("acknowledge", f"{prefix}first")},
        {"json": action("resolve", f"{prefix}second")},
        {"json": action("resolve", f"{prefix}never-seen")},
        {"json": trigger(payload__summary=None, payload__severity="fatal")},
        {"json": trigger(routing_key="0" * 32)},
        {"json": too_large},
        {"content": b"[1, 2"},
        {"content": zipped, "headers": {"content-encoding": "gzip"}},
        {"content": b"{}", "headers": {"content-encoding": "br"}},
    ]
    answers = []
    for request in requests:
        answer = client.post(ENQUEUE, **request)
        body = answer.content.replace(prefix.encode(), b"")
        answers.append((answer.status_code, body, answer.headers["content-type"]))
        api.drain()
    return answers


def test_pagerduty_events_answer_the_same_on_the_fast_path_and_fastapis(api: Harness) -> None:
    """``/v2/enqueue`` is taken by the raw ASGI path; FastAPI's route stays as the fallback.
    Both answer each event alike, byte for byte, and store and count it alike."""
    from tests.alerts.support import integration

    def alert_states(prefix: str) -> list[tuple[str, str]]:
        return sorted(
            (a["identity"].removeprefix(prefix), a["status"])
            for a in api.ok("GET", "/api/v1/alerts")["items"]
            if a["identity"].startswith(prefix)
        )

    fast = pagerduty_exchange(api.client, api, "fast-")
    fast_counters = integration(api, "pd")["counters"]
    slow = pagerduty_exchange(fallback_client(api), api, "slow-")
    counters = integration(api, "pd")["counters"]
    assert fast == slow
    assert counters == {outcome: 2 * count for outcome, count in fast_counters.items()}
    assert alert_states("fast-") == alert_states("slow-")
    assert [status for status, _body, _type in fast] == [
        202,
        202,
        202,
        202,
        202,
        400,
        404,
        413,
        400,
        202,
        415,
    ]
    assert {content_type for _status, _body, content_type in fast} == {"application/json"}
    assert b"Event dropped" in fast[4][1]
    assert fast_counters == {"accepted": 6, "malformed": 1}
    assert alert_states("fast-") == [
        ("first", "acknowledged"),
        ("second", "resolved"),
        ("zipped", "firing"),
    ]


def test_the_dispatcher_gives_pagerduty_enqueue_to_the_raw_handler_only(api: Harness) -> None:
    from tests.ingest.test_pagerduty import DEDUP_KEY, ENQUEUE, trigger

    dispatcher = api.app.ingest
    assert dispatcher is not None
    sent: list[Message] = []

    def scope(path: str, method: str = "POST") -> dict[str, Any]:
        return {
            "type": "http",
            "method": method,
            "path": path,
            "headers": [],
            "query_string": b"",
            "app": api.app,
        }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": orjson.dumps(trigger()), "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    assert sender_route("POST", ENQUEUE) == (None, ENQUEUE)
    assert sender_route("GET", ENQUEUE) is None
    assert sender_route("POST", "/v2/change/enqueue") is None
    enqueue = scope(ENQUEUE)
    handler = dispatcher.pick(enqueue)
    assert handler is not None
    asyncio.run(handler(enqueue, receive, send))
    assert sent[0]["status"] == 202
    change = scope("/v2/change/enqueue")
    assert dispatcher.pick(change) not in (None, handler)  # the route's endpoint, observed
    assert change["route"].path == "/v2/change/enqueue"
    assert dispatcher.pick(scope(ENQUEUE, "GET")) is None  # FastAPI answers 405
    assert dispatcher.pick(scope("/api/v1/incidents")) is None
    api.drain()
    assert [a["identity"] for a in api.ok("GET", "/api/v1/alerts")["items"]] == [DEDUP_KEY]
