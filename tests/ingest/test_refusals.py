"""Refusals common to every ingest route: an unknown key is told nothing more than a key of
another kind; what is refused is counted per integration in ``/metrics`` and the API."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.alerts.support import integration
from tests.support.api import Harness

AM_KEY = "am-test-key-0123456789"
HOOK_KEY = "hook-test-key-0123456789"
BEAT_KEY = "beat-test-key-0123456789"
UNKNOWN_KEY = "no-such-key-0123456789"

ROUTES = {
    "alertmanager webhook": ("POST", "/ingest/alertmanager/{key}", HOOK_KEY),
    "alertmanager api v2": ("POST", "/ingest/alertmanager/{key}/api/v2/alerts", BEAT_KEY),
    "generic webhook": ("POST", "/ingest/webhook/{key}", AM_KEY),
    "heartbeat POST": ("POST", "/ingest/heartbeat/{key}", HOOK_KEY),
    "heartbeat GET": ("GET", "/ingest/heartbeat/{key}", AM_KEY),
}


def answer(api: Harness, method: str, path: str) -> tuple[int, bytes, dict[str, str]]:
    body = {"title": "x", "id": "1"} if method == "POST" else None
    response = api.client.request(method, path, json=body)
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_an_unknown_key_gets_the_answer_of_a_key_of_another_kind(api: Harness, route: str) -> None:
    method, template, other_kind = ROUTES[route]
    unknown = answer(api, method, template.format(key=UNKNOWN_KEY))
    assert unknown[0] == 404
    assert answer(api, method, template.format(key=other_kind)) == unknown


def ingest_samples(api: Harness) -> dict[tuple[str, str], float]:
    text = api.get("/metrics").text
    return {
        (sample.labels["integration"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "warroom_ingest_signals_total"
    }


def test_webhook_and_heartbeat_refusals_are_counted_per_integration(api: Harness) -> None:
    def post(path: str, **kwargs: Any) -> int:
        status: int = api.client.post(path, **kwargs).status_code
        return status

    assert post(f"/ingest/webhook/{HOOK_KEY}", content=b"{not json") == 400
    assert post(f"/ingest/webhook/{HOOK_KEY}", json={"title": "Disk", "id": "d1"}) == 200
    assert post(f"/ingest/heartbeat/{BEAT_KEY}?status=maybe") == 400
    assert post(f"/ingest/heartbeat/{BEAT_KEY}") == 200
    assert post(f"/ingest/webhook/{UNKNOWN_KEY}", json={}) == 404
    assert post(f"/ingest/webhook/{HOOK_KEY}", content=b"x" * (2 << 20)) == 413

    assert integration(api, "hook")["counters"] == {"accepted": 1, "malformed": 1, "too_large": 1}
    assert integration(api, "nightly-backup")["counters"] == {"accepted": 1, "malformed": 1}
    samples = ingest_samples(api)
    assert samples[("hook", "malformed")] == 1
    assert samples[("hook", "too_large")] == 1
    assert samples[("nightly-backup", "malformed")] == 1
    assert samples[("<unknown>", "unknown_key")] == 1
