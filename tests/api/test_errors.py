"""Every error is JSON ``{"error": {"code", "message", "field"?}}``; bad input is a 4xx naming
the field, never a 500 and never a partial write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.incidents.helpers import INCIDENTS, TEST_CONFIG, error_of
from tests.support.api import Harness, running_app

INC1 = f"{INCIDENTS}/INC-1"
BIG = 10**11
HUGE = 10**30


def snapshot(api: Harness) -> dict[str, Any]:
    """Everything a bad request could have half-written."""
    return {
        "incidents": api.ok("GET", INCIDENTS, params={"limit": 200}),
        "timeline": api.ok("GET", f"{INC1}/timeline"),
        "updates": api.ok("GET", f"{INC1}/updates"),
        "tokens": api.ok("GET", "/api/v1/tokens"),
        "users": api.ok("GET", "/api/v1/users"),
    }


@pytest.fixture
def seeded(api: Harness) -> Harness:
    api.user("bob")
    api.declare()
    api.clock.advance(minutes=1)
    return api


DECLARE = ("POST", INCIDENTS)
PATCH = ("PATCH", INC1)
OK = {"title": "x", "team": "payments"}

BAD_BODIES: list[tuple[tuple[str, str], Any, str]] = [
    (DECLARE, {"title": 5, "team": "payments"}, "title"),
    (DECLARE, {"team": "payments"}, "title"),
    (DECLARE, {"title": "x"}, "team"),
    (DECLARE, {**OK, "team": 5}, "team"),
    (DECLARE, {**OK, "team": "Payments"}, "team"),
    (DECLARE, {**OK, "title": ""}, "title"),
    (DECLARE, {**OK, "title": "   "}, "title"),
    (DECLARE, {**OK, "title": "x" * 301}, "title"),
    (DECLARE, {**OK, "title": "a\x00b"}, "title"),
    (DECLARE, {**OK, "summary": "a\x00b"}, "summary"),
    (DECLARE, {**OK, "summary": None}, "summary"),
    (DECLARE, {**OK, "severity": 1}, "severity"),
    (DECLARE, {**OK, "services": "x"}, "services"),
    (DECLARE, {**OK, "services": None}, "services"),
    (DECLARE, {**OK, "services": [1]}, "services[0]"),
    (DECLARE, {**OK, "affected_users": "many"}, "affected_users"),
    (DECLARE, {**OK, "affected_users": -1}, "affected_users"),
    (DECLARE, {**OK, "affected_users": 1.5}, "affected_users"),
    (DECLARE, {**OK, "affected_users": BIG}, "affected_users"),
    (DECLARE, {**OK, "affected_customers": HUGE}, "affected_customers"),
    (DECLARE, {**OK, "affected_features": "search"}, "affected_features"),
    (DECLARE, {**OK, "affected_features": [1]}, "affected_features[0]"),
    (DECLARE, {**OK, "affected_regions": ["eu\x00"]}, "affected_regions"),
    (DECLARE, {**OK, "revenue_impact": "sometimes"}, "revenue_impact"),
    (DECLARE, {**OK, "detected_at": "noon"}, "detected_at"),
    (DECLARE, {**OK, "colour": "red"}, "colour"),
    (DECLARE, {**OK, "status": "resolved"}, "status"),
    (DECLARE, [OK], "body"),
    (DECLARE, "x", "body"),
    (DECLARE, None, "body"),
    (PATCH, {"title": 5}, "title"),
    (PATCH, {"title": " "}, "title"),
    (PATCH, {"title": None}, "title"),
    (PATCH, {"team": "billing"}, "team"),
    (PATCH, {"services": "x"}, "services"),
    (PATCH, {"services": ["payments-api", "nope"]}, "services[1]"),
    (PATCH, {"affected_users": "many"}, "affected_users"),
    (PATCH, {"affected_users": BIG}, "affected_users"),
    (PATCH, {"affected_customers": -5}, "affected_customers"),
    (PATCH, {"summary": "\x00"}, "summary"),
    (PATCH, {"status": "resolved"}, "status"),
    (PATCH, {"severity": "SEV2"}, "severity"),
    (PATCH, [], "body"),
    (("POST", f"{INC1}/actions/acknowledge"), {"reason": 5}, "reason"),
    (("POST", f"{INC1}/actions/acknowledge"), {"why": "x"}, "why"),
    (("POST", f"{INC1}/actions/acknowledge"), {"reason": "x" * 2001}, "reason"),
    (("POST", f"{INC1}/actions/resolve"), {"reason": "a\x00"}, "reason"),
    (("POST", f"{INC1}/severity"), {}, "severity"),
    (("POST", f"{INC1}/severity"), {"severity": 2}, "severity"),
    (("POST", f"{INC1}/severity"), {"severity": "SEV2", "reason": ["x"]}, "reason"),
    (("POST", f"{INC1}/notes"), {"text": 5}, "text"),
    (("POST", f"{INC1}/notes"), {}, "text"),
    (("POST", f"{INC1}/notes"), {"text": "x", "pinned": "maybe"}, "pinned"),
    (("POST", f"{INC1}/notes"), {"text": "a\x00b"}, "text"),
    (("POST", f"{INC1}/updates"), {"text": "x", "audience": "all"}, "audience"),
    (("POST", f"{INC1}/updates"), {"text": "a\x00b"}, "text"),
    (("POST", f"{INC1}/roles"), {"role": "lead", "user": ["bob"]}, "user"),
    (("POST", f"{INC1}/roles"), {"role": "lead", "user": "bo\x00b"}, "user"),
    (("POST", f"{INC1}/participants"), {"user": 5}, "user"),
    (("POST", f"{INC1}/timestamps"), {"field": "detected_at", "value": [], "reason": "x"}, "value"),
    (
        ("POST", f"{INC1}/timestamps"),
        {"field": "detected_at", "value": "2026-03-02T08:00:00Z", "reason": "a\x00"},
        "reason",
    ),
    (("POST", f"{INC1}/timeline/1/pin"), {"pinned": "sure"}, "pinned"),
    (("POST", "/api/v1/tokens"), {"name": 5}, "name"),
    (("POST", "/api/v1/tokens"), {}, "name"),
    (("POST", "/api/v1/tokens"), {"name": ""}, "name"),
    (("POST", "/api/v1/tokens"), {"name": "ci\x00"}, "name"),
    (("POST", "/api/v1/tokens"), {"name": "ci", "scope": "all"}, "scope"),
    (("POST", "/api/v1/users"), {"username": "Bad Name"}, "username"),
    (("POST", "/api/v1/users"), {"username": "carol", "role": "god"}, "role"),
    (("POST", "/api/v1/users"), {"username": "carol", "email": "c\x00@example.com"}, "email"),
    (("POST", "/api/v1/users"), {"username": "carol", "display_name": "C\x00"}, "display_name"),
]


@pytest.mark.parametrize(
    ("route", "body", "field"),
    BAD_BODIES,
    ids=[f"{r[0]} {r[1]} {f}" for r, _b, f in BAD_BODIES],
)
def test_bad_body_answers_422_naming_the_field_without_writing(
    seeded: Harness, route: tuple[str, str], body: Any, field: str
) -> None:
    before = snapshot(seeded)
    method, path = route
    error = error_of(seeded.request(method, path, json=body), 422, "invalid")
    assert error["field"] == field, error
    assert snapshot(seeded) == before


BAD_JSON_ROUTES = [
    ("POST", INCIDENTS),
    ("PATCH", INC1),
    ("POST", f"{INC1}/actions/acknowledge"),
    ("POST", f"{INC1}/notes"),
    ("POST", f"{INC1}/updates"),
    ("POST", f"{INC1}/timestamps"),
    ("POST", "/api/v1/tokens"),
]


@pytest.mark.parametrize(("method", "path"), BAD_JSON_ROUTES)
@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe"])
def test_bad_json_answers_400_invalid_json(
    seeded: Harness, method: str, path: str, raw: bytes
) -> None:
    before = snapshot(seeded)
    response = seeded.request(
        method, path, content=raw, headers={"Content-Type": "application/json"}
    )
    error = error_of(response, 400, "invalid_json")
    assert error["field"] == "body"
    assert error["message"].startswith("request body is not valid JSON")
    assert snapshot(seeded) == before


def test_validation_error_lists_every_problem(api: Harness) -> None:
    response = api.post(INCIDENTS, json={"title": 5, "colour": "red"})
    error = error_of(response, 422, "invalid")
    fields = sorted(d["field"] for d in error["details"])
    assert fields == ["colour", "team", "title"]
    assert error["field"] in fields


@pytest.mark.parametrize(
    ("method", "path", "status", "field"),
    [
        ("GET", f"{INCIDENTS}/INC-99999999999999999999999", 404, "ref"),
        ("POST", f"{INC1}/timeline/99999999999999999999999/pin", None, "entry_id"),
        ("POST", f"{INC1}/timeline/99999999999/pin", None, "entry_id"),
        ("DELETE", "/api/v1/tokens/99999999999999999999999", None, "token_id"),
        ("DELETE", "/api/v1/tokens/99999999999", None, "token_id"),
        ("GET", f"{INCIDENTS}?offset=99999999999999999999999", 422, "offset"),
        ("GET", f"{INCIDENTS}?team=pay%00ments", 422, "team"),
        ("DELETE", f"{INC1}/participants/bo%00b", 422, "username"),
        ("DELETE", f"{INC1}/roles/%00", 422, "role"),
        ("POST", f"{INC1}/actions/%00", 422, "action"),
    ],
)
def test_out_of_range_path_and_query_values_answer_4xx(
    seeded: Harness, method: str, path: str, status: int | None, field: str
) -> None:
    response = seeded.request(method, path, json={})
    assert response.status_code in ((status,) if status else (404, 422)), response.text
    error = error_of(response, response.status_code)
    assert error["field"] == field


def test_unknown_route_and_method_answer_json(api: Harness) -> None:
    error = error_of(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert error["message"] == "Not Found"
    error_of(api.request("PUT", INCIDENTS), 405, "method_not_allowed")


def test_missing_incident_answers_404_on_every_incident_route(api: Harness) -> None:
    for method, path, body in [
        ("GET", f"{INCIDENTS}/INC-5", None),
        ("PATCH", f"{INCIDENTS}/INC-5", {"summary": "x"}),
        ("POST", f"{INCIDENTS}/INC-5/notes", {"text": "x"}),
        ("POST", f"{INCIDENTS}/INC-5/updates", {"text": "x"}),
        ("GET", f"{INCIDENTS}/INC-5/timeline", None),
        ("POST", f"{INCIDENTS}/INC-5/roles", {"role": "lead"}),
    ]:
        error = error_of(api.request(method, path, json=body), 404, "not_found")
        assert error == {"code": "not_found", "message": "INC-5 does not exist", "field": "ref"}


@pytest.fixture
def small(engine: Engine) -> Iterator[Harness]:
    with running_app(engine, TEST_CONFIG, max_body_bytes=1000) as harness:
        harness.declare()
        yield harness


def test_body_over_the_limit_answers_413(small: Harness) -> None:
    response = small.post(INCIDENTS, json={"title": "x", "team": "payments", "summary": "s" * 2000})
    error = error_of(response, 413, "payload_too_large")
    assert error["field"] == "body"
    assert error["message"] == "request body exceeds 1000 bytes"
    assert small.ok("GET", INCIDENTS)["total"] == 1


def test_body_at_the_limit_is_accepted(small: Harness) -> None:
    body = b'{"title": "x", "team": "payments", "summary": "' + b"s" * 2000 + b'"}'
    body = body[: 1000 - 2] + b'"}'
    assert len(body) == 1000
    response = small.post(INCIDENTS, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_chunked_body_over_the_limit_answers_413(small: Harness) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "x", "team": "payments", "summary": "'
        for _ in range(20):
            yield b"s" * 100
        yield b'"}'

    response = small.post(INCIDENTS, content=chunks(), headers={"Content-Type": "application/json"})
    error = error_of(response, 413, "payload_too_large")
    assert error["field"] == "body"
    assert small.ok("GET", INCIDENTS)["total"] == 1


def test_unauthorized_error_shape(api: Harness) -> None:
    response = api.client.get(INCIDENTS)
    assert response.json() == {
        "error": {
            "code": "unauthorized",
            "message": "missing bearer token: send 'Authorization: Bearer <token>'",
        }
    }
    assert response.headers["www-authenticate"] == "Bearer"
