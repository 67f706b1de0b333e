"""``GET /api/v1/audit``: admins read the log, filtered and paged; nobody can change it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.incidents.helpers import error_of
from tests.support.api import Harness
from warroom.auth.models import UserRole

AUDIT = "/api/v1/audit"


def audit(api: Harness, **params: Any) -> dict[str, Any]:
    page: dict[str, Any] = api.ok("GET", AUDIT, params=params)
    return page


def test_a_responder_is_refused_with_403(api: Harness) -> None:
    bob = api.user("bob", UserRole.RESPONDER)
    error = error_of(api.get(AUDIT, token=bob), 403, "forbidden")
    assert error["message"] == "bob is a responder; this needs an admin"


def test_a_team_manager_is_refused_with_403(api: Harness) -> None:
    tess = api.user("tess", UserRole.TEAM_MANAGER)
    error = error_of(api.get(AUDIT, token=tess), 403, "forbidden")
    assert error["message"] == "tess is a team_manager; this needs an admin"


def test_a_request_without_a_token_is_refused_with_401(api: Harness) -> None:
    response = api.client.get(AUDIT)
    error = error_of(response, 401, "unauthorized")
    assert error["message"] == "missing bearer token: send 'Authorization: Bearer <token>'"


def test_an_admin_reads_the_log_newest_first(api: Harness) -> None:
    alice = api.user("alice")
    api.declare()
    api.clock.advance(minutes=1)
    api.ok("PATCH", "/api/v1/incidents/INC-1", token=alice, json={"summary": "EU only"})
    page = audit(api)
    assert page["next_cursor"] is None
    newest = page["items"][0]
    assert newest == {
        "id": newest["id"],
        "at": "2026-03-02T09:01:00Z",
        "actor": "alice",
        "actor_via": f"token:{alice[:9]}",
        "address": "testclient",
        "action": "update",
        "object_type": "incident",
        "object_id": "INC-1",
        "summary": 'changed incident INC-1 (Checkout returns 503): summary "" → EU only',
        "before": {"summary": ""},
        "after": {"summary": "EU only"},
        "request_id": newest["request_id"],
    }
    assert newest["request_id"]
    assert [e["id"] for e in page["items"]] == sorted(
        (e["id"] for e in page["items"]), reverse=True
    )


def test_filters_narrow_the_log(api: Harness) -> None:
    alice = api.user("alice")
    api.declare()
    api.clock.advance(minutes=5)
    api.declare(title="Search is slow")
    api.clock.advance(minutes=5)
    api.ok("PATCH", "/api/v1/incidents/INC-2", token=alice, json={"summary": "p99 4s"})
    assert [e["object_id"] for e in audit(api, actor="alice")["items"]] == ["INC-2"]
    incident_two = audit(api, object_type="incident", object_id="INC-2")["items"]
    assert [e["action"] for e in incident_two] == ["update", "create"]
    assert [
        e["object_id"] for e in audit(api, object_type="incident", action="create")["items"]
    ] == [
        "INC-2",
        "INC-1",
    ]
    window = audit(
        api, object_type="incident", since="2026-03-02T09:05:00Z", until="2026-03-02T09:10:00Z"
    )
    assert [(e["object_id"], e["action"]) for e in window["items"]] == [("INC-2", "create")]
    assert audit(api, actor="nobody")["items"] == []


def test_the_cursor_pages_through_older_entries(api: Harness) -> None:
    for number in range(1, 6):
        api.declare(title=f"Incident {number}")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"object_type": "incident", "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = audit(api, **params)
        pages += 1
        seen += [e["object_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["INC-5", "INC-4", "INC-3", "INC-2", "INC-1"]
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "abc"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"since": "2026-03-02T09:00:00"}, "since"),
        ({"action": "rename"}, "action"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(
    api: Harness, params: dict[str, Any], field: str
) -> None:
    response = api.get(AUDIT, params=params)
    assert response.status_code in (400, 422), response.text
    assert field in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_route_changes_the_log(api: Harness, method: str) -> None:
    api.declare()
    response = api.request(method, AUDIT, json={})
    assert response.status_code == 405
    entry_id = audit(api)["items"][0]["id"]
    assert api.request(method, f"{AUDIT}/{entry_id}", json={}).status_code == 404
    paths = api.client.get("/api/openapi.json").json()["paths"]
    assert {path: sorted(paths[path]) for path in paths if "audit" in path} == {AUDIT: ["get"]}


def test_the_openapi_document_describes_the_answer(api: Harness) -> None:
    document = api.client.get("/api/openapi.json").json()
    operation = document["paths"][AUDIT]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/AuditPage"}
    entry = document["components"]["schemas"]["AuditEntryOut"]
    assert {"actor", "actor_via", "address", "before", "after", "request_id"} <= set(
        entry["properties"]
    )
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"actor", "object_type", "object_id", "since", "until", "limit", "cursor"} <= parameters
