"""API tokens: hashed at rest, listed, revoked at once."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text

from tests.incidents.helpers import error_of
from tests.support.api import Harness
from warroom.auth.models import UserRole

TOKENS = "/api/v1/tokens"


def create(api: Harness, name: str = "ci", token: str | None = None) -> dict[str, Any]:
    response = api.post(TOKENS, token=token, json={"name": name})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def rows(api: Harness) -> list[dict[str, Any]]:
    with api.engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM api_tokens ORDER BY id"))
        return [dict(row._mapping) for row in result]


def test_created_token_is_shown_once_and_works(api: Harness) -> None:
    created = create(api, "deploy bot")
    secret = created["token"]
    assert secret.startswith("wr_")
    assert len(secret) > 40
    assert created["name"] == "deploy bot"
    assert created["user"] == "admin"
    assert created["prefix"] == secret[:9]
    assert created["created_at"] == "2026-03-02T09:00:00Z"
    assert created["revoked_at"] is None
    me = api.ok("GET", "/api/v1/me", token=secret)
    assert me["username"] == "admin"
    assert me["role"] == "admin"
    listed = api.ok("GET", TOKENS)
    assert all("token" not in t for t in listed)
    assert secret not in str(listed)


def test_database_holds_only_a_hash_of_the_token(api: Harness) -> None:
    secret = create(api, "ci")["token"]
    stored = rows(api)
    assert len(stored) == 2
    row = stored[-1]
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for value in row.values():
        assert secret not in str(value)
    for stored_row in stored:
        assert api.admin_token not in str(stored_row.values())
    assert row["prefix"] == secret[:9]


def test_last_use_is_recorded(api: Harness) -> None:
    created = create(api)
    assert created["last_used_at"] is None
    api.clock.advance(minutes=5)
    api.ok("GET", "/api/v1/me", token=created["token"])
    [listed] = [t for t in api.ok("GET", TOKENS) if t["id"] == created["id"]]
    assert listed["last_used_at"] == "2026-03-02T09:05:00Z"


def test_revoked_token_is_refused_at_once(api: Harness) -> None:
    created = create(api)
    secret = created["token"]
    api.ok("GET", "/api/v1/incidents", token=secret)
    api.clock.advance(minutes=1)
    revoked = api.ok("DELETE", f"{TOKENS}/{created['id']}")
    assert revoked["revoked_at"] == "2026-03-02T09:01:00Z"
    response = api.client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {secret}"})
    error = error_of(response, 401, "unauthorized")
    assert error["message"] == "invalid or revoked token"
    assert response.headers["www-authenticate"] == "Bearer"
    listed = {t["id"]: t for t in api.ok("GET", TOKENS)}
    assert listed[created["id"]]["revoked_at"] == "2026-03-02T09:01:00Z"


def test_a_token_can_revoke_itself(api: Harness) -> None:
    created = create(api)
    secret = created["token"]
    api.ok("DELETE", f"{TOKENS}/{created['id']}", token=secret)
    error_of(api.get("/api/v1/me", token=secret), 401, "unauthorized")


def test_revoking_twice_answers_409_and_unknown_404(api: Harness) -> None:
    created = create(api)
    api.ok("DELETE", f"{TOKENS}/{created['id']}")
    error = error_of(api.request("DELETE", f"{TOKENS}/{created['id']}"), 409, "conflict")
    assert error["field"] == "token_id"
    error = error_of(api.request("DELETE", f"{TOKENS}/999"), 404, "not_found")
    assert error["field"] == "token_id"


def test_users_see_and_revoke_only_their_own_tokens(api: Harness) -> None:
    bob = api.user("bob")
    carol = api.user("carol", UserRole.VIEWER)
    bobs = create(api, "bob laptop", token=bob)
    carols = create(api, "carol laptop", token=carol)
    assert [t["name"] for t in api.ok("GET", TOKENS, token=bob)] == ["test", "bob laptop"]
    assert {t["user"] for t in api.ok("GET", TOKENS, token=carol)} == {"carol"}
    assert {t["user"] for t in api.ok("GET", TOKENS)} == {"admin", "bob", "carol"}
    error = error_of(api.request("DELETE", f"{TOKENS}/{bobs['id']}", token=carol), 404)
    assert error["code"] == "not_found"
    api.ok("GET", "/api/v1/me", token=bobs["token"])
    api.ok("DELETE", f"{TOKENS}/{carols['id']}", token=carol)
    api.ok("DELETE", f"{TOKENS}/{bobs['id']}")
    error_of(api.get("/api/v1/me", token=bobs["token"]), 401)


def test_each_token_is_unique(api: Harness) -> None:
    secrets = {create(api, f"t{n}")["token"] for n in range(5)}
    assert len(secrets) == 5
    assert len({r["token_hash"] for r in rows(api)}) == 6


def test_admin_creates_users_and_others_cannot(api: Harness) -> None:
    response = api.post(
        "/api/v1/users",
        json={"username": "dave", "role": "viewer", "email": "dave@example.com"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "viewer"
    error = error_of(api.post("/api/v1/users", json={"username": "dave"}), 409, "conflict")
    assert error["field"] == "username"
    viewer = api.user("vera", UserRole.VIEWER)
    error_of(api.post("/api/v1/users", token=viewer, json={"username": "eve"}), 403, "forbidden")
    names = [u["username"] for u in api.ok("GET", "/api/v1/users")]
    assert names == ["admin", "dave", "vera"]
