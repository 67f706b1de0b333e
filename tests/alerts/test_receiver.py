"""The Alertmanager receiver refuses bad input precisely, stores nothing of it, and counts it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import (
    KEY,
    WEBHOOK,
    alerts,
    am_alert,
    am_notification,
    custom_app,
    integration,
    send,
)
from tests.support.api import Harness

PD_KEY = "pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32"


def assert_nothing_stored(api: Harness) -> None:
    api.drain()
    assert alerts(api) == []
    assert integration(api)["signals"] == {}
    assert integration(api)["last_signal_at"] is None


def bad_labels() -> dict[str, Any]:
    alert = am_alert("HighLatency")
    alert["labels"]["x"] = 5
    return am_notification(alert)


def bad_starts_at() -> dict[str, Any]:
    return am_notification(am_alert("HighLatency", starts="yesterday at noon"))


def bad_second_alert() -> dict[str, Any]:
    good = am_alert("HighLatency", instance="a")
    bad = am_alert("HighLatency", instance="b")
    bad["status"] = "burning"
    return am_notification(good, bad)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "4", "alerts": {"labels": {}}}, "alerts"),
        (bad_labels(), "alerts[0].labels.x"),
        (bad_starts_at(), "alerts[0].startsAt"),
        (bad_second_alert(), "alerts[1].status"),
        ([1, 2], "body"),
    ],
    ids=["alerts-not-a-list", "label-not-a-string", "bad-startsAt", "bad-second-alert", "list"],
)
def test_malformed_payload_is_refused_naming_the_field_and_nothing_is_stored(
    api: Harness, body: Any, field: str
) -> None:
    answer = api.ingest(WEBHOOK, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["field"] == field
    assert field in error["message"] or field == "body"
    assert_nothing_stored(api)
    assert integration(api)["counters"] == {"malformed": 1}


def test_body_that_is_not_json_is_refused(api: Harness) -> None:
    answer = api.ingest(WEBHOOK, content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "body"
    assert_nothing_stored(api)


def test_body_over_ten_mebibytes_is_refused_with_413(api: Harness) -> None:
    body = b" " * (10 * 1024 * 1024 + 1)
    answer = api.ingest(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert_nothing_stored(api)
    assert integration(api)["counters"] == {"too_large": 1}


def test_unknown_key_and_key_of_another_kind_get_the_same_404(api: Harness) -> None:
    unknown = api.ingest("/ingest/alertmanager/no-such-key-0123456789", json=am_notification())
    other_kind = api.ingest(f"/ingest/alertmanager/{PD_KEY}", json=am_notification())
    assert unknown.status_code == other_kind.status_code == 404
    assert unknown.json() == other_kind.json()
    assert unknown.json()["error"]["field"] == "key"
    assert integration(api, "pd")["counters"] == {}
    metrics = api.get("/metrics").text
    assert 'warroom_ingest_signals_total{integration="<unknown>",outcome="unknown_key"} 2.0' in (
        metrics
    )


def tight_limit(doc: dict[str, Any]) -> None:
    doc["integrations"][0]["rate_limit"] = {"per_second": 0.001, "burst": 2}


@pytest.fixture
def limited(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with custom_app(engine, tmp_path, tight_limit) as harness:
        yield harness


def test_rate_limited_integration_gets_429_with_retry_after_and_is_counted(
    limited: Harness,
) -> None:
    first = limited.ingest(
        WEBHOOK, json=am_notification(am_alert("A", instance="1"), am_alert("A", instance="2"))
    )
    assert first.status_code == 200, first.text
    refused = limited.ingest(WEBHOOK, json=am_notification(am_alert("A", instance="3")))
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"

    limited.drain()
    assert sorted(a["labels"]["instance"] for a in alerts(limited)) == ["1", "2"]
    am = integration(limited)
    assert am["counters"] == {"accepted": 2, "rate_limited": 1}
    assert am["signals"] == {"opened": 2}
    metrics = limited.get("/metrics").text
    assert 'warroom_ingest_signals_total{integration="am",outcome="rate_limited"} 1.0' in metrics
    assert 'warroom_ingest_signals_total{integration="am",outcome="accepted"} 2.0' in metrics


def test_refusals_are_counted_per_integration(api: Harness) -> None:
    assert api.ingest(WEBHOOK, json={"alerts": "nope"}).status_code == 400
    assert api.ingest(WEBHOOK, json=am_notification(am_alert("A"))).status_code == 200
    assert integration(api)["counters"] == {"malformed": 1, "accepted": 1}
    metrics = api.get("/metrics").text
    assert re.search(
        r'warroom_ingest_signals_total\{integration="am",outcome="malformed"\} 1\.0', metrics
    )


def test_api_v2_alerts_with_the_key_as_bearer_token(api: Harness) -> None:
    alert = am_alert("HighLatency", service="payments-api", severity="critical")
    del alert["status"]
    alert["endsAt"] = "2026-03-02T09:04:00Z"  # Prometheus: valid until
    answer = api.client.post(
        "/api/v2/alerts", json=[alert], headers={"Authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 200, answer.text
    api.drain()
    [stored] = alerts(api)
    assert stored["status"] == "firing"
    assert stored["team"] == "payments"
    assert stored["decision"] == "incident"

    api.clock.advance(minutes=10)  # endsAt has passed: resolved
    answer = api.client.post(
        f"/ingest/alertmanager/{KEY}/api/v2/alerts",
        json=[{**alert, "endsAt": "2026-03-02T09:09:00Z"}],
    )
    assert answer.status_code == 200, answer.text
    api.drain()
    [stored] = alerts(api)
    assert stored["status"] == "resolved"


def test_api_v2_alerts_without_a_key_is_401(api: Harness) -> None:
    answer = api.client.post("/api/v2/alerts", json=[am_alert("HighLatency")])
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["field"] == "authorization"
    assert answer.headers["www-authenticate"] == 'Bearer realm="warroom"'
    wrong = api.client.post(
        "/api/v2/alerts", json=[am_alert("HighLatency")], headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 404
    assert_nothing_stored(api)


def test_api_v2_alerts_body_must_be_a_list(api: Harness) -> None:
    answer = api.client.post(
        "/api/v2/alerts", json={"alerts": []}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "body"
    assert_nothing_stored(api)


def test_alerts_naming_no_environment_get_the_integrations(api: Harness) -> None:
    send(api, am_alert("A", instance="1"), am_alert("A", instance="2", env="staging"))
    default, named = alerts(api)
    assert default["environment"] == "production"  # integration am: environment production
    assert named["environment"] == "staging"


def test_nanosecond_timestamps_as_alertmanager_writes_them_are_accepted(api: Harness) -> None:
    send(api, am_alert("A", starts="2026-03-02T08:55:00.123456789Z"))
    [alert] = alerts(api)
    assert alert["starts_at"].startswith("2026-03-02T08:55:00.123456")
