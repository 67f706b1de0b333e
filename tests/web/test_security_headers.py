"""Every answer carries the security headers; the pages allow no inline script."""

from __future__ import annotations

import pytest

from tests.support.api import Harness
from tests.support.web import browser, web_user


@pytest.mark.parametrize("path", ["/login", "/api/v1/incidents", "/api/docs", "/healthz"])
def test_every_answer_has_the_security_headers(api: Harness, path: str) -> None:
    response = browser(api).get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_pages_allow_scripts_only_from_warroom(api: Harness) -> None:
    rita = web_user(api, "rita")
    response = rita.get("/incidents")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "<script>" not in response.text
    assert " onclick=" not in response.text


def test_swagger_ui_allows_its_one_inline_script_by_hash(api: Harness) -> None:
    response = browser(api).get("/api/docs")
    policy = response.headers["content-security-policy"]
    assert response.text.count("<script>") == 1
    assert "script-src 'self' 'sha256-" in policy


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/1/envelope/", 401), ("/ingest/alertmanager/no-such-key", 404), ("/api/v2/alerts", 401)],
)
def test_ingest_answers_carry_the_headers_of_a_data_answer(
    api: Harness, path: str, status: int
) -> None:
    response = api.client.post(path, content=b"{}")
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ingest/heartbeat/no-such-key-0123456789", 404),
        ("POST", "/ingest/webhook/no-such-key-0123456789", 404),
        ("POST", "/ingest/alertmanager/am-test-key-0123456789", 400),
        ("POST", "/v2/enqueue", 400),
        ("GET", "/act/not-a-token", 403),
        ("GET", "/api/openapi.json", 200),
    ],
)
def test_ingest_links_and_documents_carry_the_headers_too(
    api: Harness, method: str, path: str, status: int
) -> None:
    response = api.client.request(method, path, content=b"{")
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
