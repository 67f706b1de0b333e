"""The allow/deny matrix of every route, from the permission each route declares.

    .venv/bin/python -m tests.web.permission_matrix > docs/permissions.md

writes the document that ``test_permissions.py`` holds the app to (a route added without
regenerating it fails the test).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute

from warroom.api.openapi import route_permission
from warroom.auth.models import ROLE_ORDER
from warroom.auth.permissions import MINIMUM_ROLE, Permission
from warroom.http.routes import api_routes

INGEST_PREFIXES = ("/ingest/", "/v2/", "/api/v2/")
SENTRY_INTAKE = ("/api/{project_id}/envelope/", "/api/{project_id}/store/")
OWN_KEY_PREFIXES = ("/act/", "/ical/", "/slack/", "/api/v1/trackers/")
"""Routes that authenticate with their own keys (integration keys, DSN keys, signed links,
feed tokens, Slack's and the issue trackers' request signatures)."""
METRICS_PUSH = {"/api/v1/write", "/api/v1/metrics"}
"""The embedded metric store's intake: a ``metrics`` integration's key as bearer token."""


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    permission: Permission
    kind: str
    """``api`` (bearer token), ``page`` (browser session) or ``key`` (its own key)."""


def _kind(path: str, permission: Permission | None, route: APIRoute) -> str:
    if (
        path.startswith(INGEST_PREFIXES + OWN_KEY_PREFIXES)
        or path in SENTRY_INTAKE
        or path in METRICS_PUSH
    ):
        return "key"
    if route.include_in_schema is False and not path.startswith("/api/"):
        return "page"
    return "api"


def rules(app: FastAPI) -> Iterator[RouteRule]:
    for path, route in api_routes(list(app.routes)):
        permission = route_permission(route)
        kind = _kind(path, permission, route)
        for method in sorted(route.methods):
            yield RouteRule(method, path, permission or Permission.PUBLIC, kind)


def document(app: FastAPI) -> str:
    roles = [role.value for role in ROLE_ORDER]
    lines = [
        "# Permissions",
        "",
        "Every route declares the one permission it needs; this matrix is generated from the",
        "routes (`.venv/bin/python -m tests.web.permission_matrix > docs/permissions.md`) and",
        "`tests/web/test_permissions.py` walks every route as every role and checks it.",
        "",
        "## Roles",
        "",
        "| permission | " + " | ".join(roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission in Permission:
        needed = MINIMUM_ROLE[permission]
        cells = [
            "yes" if needed is None or role.rank >= needed.rank else "no" for role in ROLE_ORDER
        ]
        if permission is Permission.MANAGE_TEAM:
            cells = [c if c == "no" else "own teams" for c in cells[:-1]] + ["yes"]
        lines.append(f"| {permission.value} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`public` routes need no sign-in: health, sign-in, the public status page, and the",
        "ingest endpoints (`key`: they authenticate with an integration key, a Sentry DSN key or",
        "a signed link instead). API tokens may carry a lower role than their owner's and a team",
        "scope (`warroom tokens create --role viewer --team payments`).",
        "",
        "Without a sign-in, an API route answers 401 and a page redirects to `/login`; with a",
        "role that lacks the permission, both answer 403.",
        "",
        "## Routes",
        "",
        "| method | path | kind | permission |",
        "|---|---|---|---|",
    ]
    for rule in sorted(rules(app), key=lambda r: (r.kind, r.path, r.method)):
        lines.append(f"| {rule.method} | `{rule.path}` | {rule.kind} | {rule.permission.value} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from pathlib import Path

    from warroom.app import create_app
    from warroom.config import LiveConfig
    from warroom.db.engine import make_engine
    from warroom.db.migrate import upgrade
    from warroom.settings import Settings

    config = Path(__file__).resolve().parents[2] / "examples" / "warroom.yaml"
    engine = make_engine("sqlite://")
    upgrade(engine)
    app = create_app(Settings(), LiveConfig(config), engine=engine)
    print(document(app), end="")


if __name__ == "__main__":
    main()
