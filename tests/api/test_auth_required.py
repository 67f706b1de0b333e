"""Every route but the health checks needs a bearer token; viewers cannot write.

The route list comes from the app's own OpenAPI document, so a new route is covered the
moment it is added.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.incidents.helpers import error_of
from tests.support.api import Harness
from warroom.app import INGEST_PREFIXES
from warroom.auth.models import UserRole

PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}
# Senders (Alertmanager, PagerDuty Events API, …) authenticate with an integration key in
# the URL, the body or the bearer, not with a user token, and answer in their own protocol;
# they must still refuse a caller without a valid key.
INTEGRATION_PREFIXES = INGEST_PREFIXES
# The embedded metric store's intake (remote write, the JSON push API) takes the key of a
# `metrics` integration as its bearer token, not a user's.
INTEGRATION_ROUTES = {("POST", "/api/v1/write"), ("POST", "/api/v1/metrics")}
METHODS = ("get", "put", "post", "delete", "patch")
# Writes a viewer may make: managing their own API tokens.
VIEWER_MAY = {("POST", "/api/v1/tokens"), ("DELETE", "/api/v1/tokens/{token_id}")}
# Reads only admins may make: the audit log.
ADMIN_READS = {("GET", "/api/v1/audit")}
PATH_VALUES = {
    "ref": "INC-1",
    "action": "acknowledge",
    "role": "lead",
    "username": "admin",
    "slug": "payments",
    "key": "not-a-key",
}
WRONG_TOKENS = [
    "wr_" + "x" * 43,
    "not-a-token",
    "wr_",
]


def operations(api: Harness, *, integrations: bool = False) -> list[tuple[str, str]]:
    """(METHOD, path template) of every route in the OpenAPI document, without the
    integration routes unless asked for."""
    app: Any = api.client.app
    spec = app.openapi()
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            sender = path.startswith(INTEGRATION_PREFIXES) or (
                (method.upper(), path) in INTEGRATION_ROUTES
            )
            if method in item and (integrations or not sender):
                found.append((method.upper(), path))
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


SENTRY_API = "/api/0/"
"""sentry-cli's part of Sentry's web API answers errors in Sentry's shape, {"detail": ...}."""


def refused(response: Any, status: int, code: str) -> None:
    if response.request.url.path.startswith(SENTRY_API):
        assert response.status_code == status, response.text
        assert set(response.json()) == {"detail"}, response.text
    else:
        error_of(response, status, code)


def assert_unauthorized(response: Any) -> None:
    refused(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_walk_sees_every_route_family(api: Harness) -> None:
    ops = operations(api)
    assert len(ops) >= 25
    for expected in [
        ("GET", "/metrics"),
        ("POST", "/api/v1/incidents"),
        ("PATCH", "/api/v1/incidents/{ref}"),
        ("POST", "/api/v1/incidents/{ref}/actions/{action}"),
        ("DELETE", "/api/v1/incidents/{ref}/roles/{role}"),
        ("POST", "/api/v1/incidents/{ref}/timeline/{entry_id}/pin"),
        ("GET", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
        ("POST", "/api/v1/config/reload"),
        ("GET", "/api/v1/teams/{slug}"),
        *PUBLIC,
    ]:
        assert expected in ops


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_need_no_token(api: Harness, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200, response.text


def test_every_other_route_answers_401_without_a_token(api: Harness) -> None:
    api.declare()
    checked = []
    for method, path in operations(api):
        if (method, path) in PUBLIC:
            continue
        response = api.client.request(method, concrete(path))
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert_unauthorized(response)
        checked.append(path)
    assert len(checked) >= 25


def test_integration_routes_refuse_callers_without_a_valid_key(api: Harness) -> None:
    routes = [op for op in operations(api, integrations=True) if op not in operations(api)]
    for method, path in routes:
        for headers in ({}, {"Authorization": f"Bearer {api.admin_token}"}):
            response = api.client.request(method, concrete(path), json={}, headers=headers)
            assert 400 <= response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("token", WRONG_TOKENS)
def test_every_other_route_answers_401_with_a_wrong_token(api: Harness, token: str) -> None:
    api.declare()
    for method, path in operations(api):
        if (method, path) in PUBLIC:
            continue
        response = api.client.request(
            method, concrete(path), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert_unauthorized(response)


@pytest.mark.parametrize(
    "authorization",
    ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Token wr_abc", "bearer"],
)
def test_malformed_authorization_headers_answer_401(api: Harness, authorization: str) -> None:
    response = api.client.get("/api/v1/incidents", headers={"Authorization": authorization})
    assert_unauthorized(response)


def test_an_unauthenticated_write_with_a_bad_body_answers_401(api: Harness) -> None:
    """Authentication comes before looking at the body: no 400/422 to strangers."""
    api.declare()
    for method, path in operations(api):
        if method == "GET" or (method, path) in PUBLIC:
            continue
        for body in (b"{not json", b'{"unknown": 1}'):
            response = api.client.request(
                method,
                concrete(path),
                content=body,
                headers={"Content-Type": "application/json", "Authorization": "Bearer nope"},
            )
            assert response.status_code == 401, (method, path, body, response.text)
            assert_unauthorized(response)
    assert api.ok("GET", "/api/v1/incidents")["total"] == 1


def test_viewers_get_403_on_every_write(api: Harness) -> None:
    api.declare()
    viewer = api.user("vera", UserRole.VIEWER)
    checked = []
    for method, path in operations(api):
        if method == "GET" or (method, path) in PUBLIC | VIEWER_MAY:
            continue
        response = api.request(method, concrete(path), token=viewer, json={})
        refused(response, 403, "forbidden")
        checked.append((method, path))
    assert ("POST", "/api/v1/incidents") in checked
    assert ("POST", "/api/v1/config/reload") in checked
    assert ("POST", "/api/v1/users") in checked
    assert api.ok("GET", "/api/v1/incidents/INC-1/timeline")["entries"][-1]["kind"] == "declared"


def test_viewers_can_read_everything(api: Harness) -> None:
    api.declare()
    viewer = api.user("vera", UserRole.VIEWER)
    for method, path in operations(api):
        if method != "GET" or (method, path) in PUBLIC:
            continue
        response = api.request(method, concrete(path), token=viewer)
        if (method, path) in ADMIN_READS:
            refused(response, 403, "forbidden")
            continue
        assert response.status_code not in (401, 403), (path, response.text)


def test_responders_cannot_do_admin_work(api: Harness) -> None:
    responder = api.user("rita")
    error = error_of(api.post("/api/v1/users", token=responder, json={"username": "mallory"}), 403)
    assert error["message"] == "rita is a responder; this needs an admin"
    error_of(api.post("/api/v1/config/reload", token=responder), 403, "forbidden")


def test_api_docs_are_served_without_any_outside_asset(api: Harness) -> None:
    page = api.client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    assert "/api/static/swagger-ui-bundle.js" in page.text
    assert api.client.get("/api/static/swagger-ui-bundle.js").status_code == 200
