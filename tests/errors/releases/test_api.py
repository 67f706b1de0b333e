"""warroom's release API and the sentry-cli API: shapes and refusals, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from tests.errors.releases.support import release_app

from warroom.auth.models import UserRole


def test_release_lifecycle_over_the_api(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        body = {"version": "api@1.0.0", "projects": ["api", "web"], "commits": ["r@a..b"]}
        created = api.post("/api/v1/releases", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["commits"][0] | {"committed_at": None} == {
            "repository": "r",
            "id": "b",
            "previous_id": "a",
            "message": None,
            "author_name": None,
            "author_email": None,
            "committed_at": None,
        }
        assert api.post("/api/v1/releases", json=body).status_code == 200
        api.ok(
            "POST",
            "/api/v1/releases/api@1.0.0/deploys",
            json={"environment": "prod", "projects": ["web"]},
        )
        detail = api.ok("GET", "/api/v1/releases/api@1.0.0")
        assert detail["projects"] == ["api", "web"]
        assert detail["deploys"][0]["projects"] == ["web"]
        assert [r["name"] for r in api.ok("GET", "/api/v1/repositories")] == ["r"]


def test_bad_input_gets_a_4xx_naming_the_field(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        cases = [
            ({"version": "1.0", "projects": []}, "projects"),
            ({"version": "a/b", "projects": ["api"]}, "version"),
            ({"version": "x" * 300, "projects": ["api"]}, "version"),
            ({"version": "1.0", "projects": ["zzz"]}, "projects[0]"),
            ({"version": "1.0", "projects": ["api"], "extra": 1}, "extra"),
        ]
        for body, field in cases:
            answer = api.post("/api/v1/releases", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["error"]["field"] == field, (body, answer.text)
        api.ok("POST", "/api/v1/releases", json={"version": "1.0", "projects": ["api"]})
        deploy = api.post("/api/v1/releases/1.0/deploys", json={"environment": ""})
        assert (deploy.status_code, deploy.json()["error"]["field"]) == (422, "environment")
        missing = api.post("/api/v1/releases/2.0/deploys", json={"environment": "prod"})
        assert (missing.status_code, missing.json()["error"]["field"]) == (404, "version")
        viewer = api.user("vera", UserRole.VIEWER)
        refused = api.post(
            "/api/v1/releases", token=viewer, json={"version": "3", "projects": ["api"]}
        )
        assert refused.status_code == 403


def test_sentry_api_errors_are_sentry_shaped(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        releases = "/api/0/organizations/any-org/releases/"
        anonymous_info = api.client.get("/api/0/")
        assert anonymous_info.status_code == 401
        assert set(anonymous_info.json()) == {"detail"}
        info = api.ok("GET", "/api/0/")
        assert info["user"]["username"] == "admin"
        assert "project:releases" in info["auth"]["scopes"]
        bad = api.client.get("/api/0/", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and set(bad.json()) == {"detail"}
        anonymous = api.client.post(releases, json={"version": "1", "projects": ["api"]})
        assert anonymous.status_code == 401
        no_version = api.post(releases, json={"projects": ["api"]})
        assert no_version.status_code == 400
        assert no_version.json() == {"detail": "version: is required"}
        not_json = api.post(releases, content=b"{", headers={"Content-Type": "application/json"})
        assert not_json.json() == {"detail": "the request body is not valid JSON"}
        assert api.post(releases, json={"version": "1"}).status_code == 400
        project = api.get("/api/0/projects/acme/nope/releases/")
        assert project.status_code == 404 and "nope" in project.json()["detail"]
        assert api.get(f"{releases}9.9/").status_code == 404
        created = api.post(releases, json={"version": "1", "projects": [42]})
        assert created.status_code == 201
        again = api.post(releases, json={"version": "1", "projects": ["api"]})
        assert again.status_code == 208
        assert api.ok("GET", f"{releases}1/previous-with-commits/") == {}
        assert api.ok("GET", "/api/0/projects/acme/api/releases/")[0]["projects"] == [
            {"id": "42", "slug": "api", "name": "api"}
        ]
