"""Self-metrics at /metrics and request ids."""

from __future__ import annotations

import re
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.incidents.helpers import INCIDENTS, act
from tests.support.api import Harness


def samples(api: Harness, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    response = api.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def test_metrics_count_incidents_by_status_and_severity(api: Harness) -> None:
    assert samples(api, "warroom_incidents") == {}
    api.declare(severity="SEV1")
    api.declare(severity="SEV1")
    api.declare(severity="SEV2")
    api.declare(severity="SEV4")
    act(api, "acknowledge", "INC-2")
    act(api, "resolve", "INC-4")
    act(api, "close", "INC-4")
    assert samples(api, "warroom_incidents") == {
        labels(status="triggered", severity="SEV1"): 1.0,
        labels(status="acknowledged", severity="SEV1"): 1.0,
        labels(status="triggered", severity="SEV2"): 1.0,
        labels(status="closed", severity="SEV4"): 1.0,
    }


def test_metrics_count_requests_by_route_template_and_status(api: Harness) -> None:
    api.declare()
    api.get(f"{INCIDENTS}/INC-1")
    api.get(f"{INCIDENTS}/1")
    api.get(f"{INCIDENTS}/INC-9")
    api.client.get(INCIDENTS)
    requests = samples(api, "warroom_http_requests_total")
    route = "/api/v1/incidents/{ref}"
    assert requests[labels(method="GET", route=route, status="200")] == 2.0
    assert requests[labels(method="GET", route=route, status="404")] == 1.0
    assert requests[labels(method="POST", route="/api/v1/incidents", status="201")] == 1.0
    assert requests[labels(method="GET", route="/api/v1/incidents", status="401")] == 1.0
    assert not any(dict(key)["route"].startswith("/api/v1/incidents/INC") for key in requests)


def test_metrics_expose_request_latency(api: Harness) -> None:
    api.get("/healthz")
    counts = samples(api, "warroom_http_request_duration_seconds_count")
    assert counts[labels(method="GET", route="/healthz")] == 1.0


def test_request_id_is_echoed_back(api: Harness) -> None:
    cases: list[tuple[str, str, Any]] = [
        ("GET", "/healthz", None),
        ("GET", f"{INCIDENTS}/INC-404", None),
        ("POST", INCIDENTS, {"title": 5}),
        ("POST", INCIDENTS, {"title": "x", "team": "payments"}),
    ]
    for n, (method, path, body) in enumerate(cases):
        request_id = f"req-{n}-4f1c"
        response = api.request(method, path, json=body, headers={"X-Request-ID": request_id})
        assert response.headers["x-request-id"] == request_id
    response = api.client.get(INCIDENTS, headers={"X-Request-ID": "anon-1"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "anon-1"


def test_request_id_is_generated_when_missing(api: Harness) -> None:
    first = api.get("/healthz").headers["x-request-id"]
    second = api.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[\w.-]{8,128}", first), first  # format is the middleware's choice
    assert first != second
