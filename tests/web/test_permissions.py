"""Every route of the app, HTML and API, as every role: the answer is the one
``docs/permissions.md`` says."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.api import Harness
from tests.support.web import Browser, browser, web_user
from tests.web.permission_matrix import RouteRule, document, rules
from warroom.auth.models import ROLE_ORDER, UserRole
from warroom.auth.permissions import MINIMUM_ROLE, Permission

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
_PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")
DUMMY = {"ref": "INC-999999", "action": "acknowledge", "role": "lead", "org": "any-org"}


def fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in DUMMY:
            return DUMMY[name]
        return "999999" if name.endswith("id") or name == "number" else "no-such-thing"

    return _PARAM.sub(value, path)


def test_the_permissions_document_lists_every_route_as_declared(api: Harness) -> None:
    assert DOC.read_text() == document(api.app), (
        "docs/permissions.md is stale: .venv/bin/python -m tests.web.permission_matrix "
        "> docs/permissions.md"
    )


def test_every_route_declares_a_permission_or_is_knowingly_public(api: Harness) -> None:
    public = {
        (r.method, r.path)
        for r in rules(api.app)
        if r.permission is Permission.PUBLIC and r.kind != "key"
    }
    assert public == {
        ("GET", "/api/docs"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/login/oidc"),
        ("GET", "/login/oidc/callback"),
        ("GET", "/status/{slug}"),
        ("GET", "/status/{slug}/feed.atom"),
        ("POST", "/status/{slug}/subscribe"),
        ("GET", "/status/{slug}/confirm"),
        ("POST", "/status/{slug}/confirm"),
        ("GET", "/status/{slug}/unsubscribe"),
        ("POST", "/status/{slug}/unsubscribe"),
    }


def _allowed(role: UserRole, permission: Permission) -> bool:
    needed = MINIMUM_ROLE[permission]
    return needed is None or role.rank >= needed.rank


def _check(rule: RouteRule, role: UserRole | None, status: int, body: str) -> str | None:
    """What is wrong with the answer, or None."""
    if status >= 500:
        return f"{status}"
    if role is None:
        expected = 401 if rule.kind == "api" else 303
        return None if status == expected else f"{status}, not {expected} for a stranger"
    if _allowed(role, rule.permission):
        if status in (401, 403):
            if rule.permission is Permission.MANAGE_TEAM and "not a manager of team" in body:
                return None
            return f"{status} for an allowed {role.value}"
        return None
    if status != 403:
        return f"{status}, not 403 for a {role.value}"
    return None


def test_every_route_answers_every_role_as_the_matrix_says(api: Harness) -> None:
    tokens = {role: api.user(f"tok-{role.value}", role) for role in ROLE_ORDER}
    browsers: dict[UserRole | None, Browser] = {
        role: web_user(api, f"web-{role.value}", role) for role in ROLE_ORDER
    }
    browsers[None] = browser(api)
    browsers[None].get("/login")
    wrong: list[str] = []
    checked = 0
    for rule in rules(api.app):
        if rule.kind == "key" or rule.permission is Permission.PUBLIC or rule.method == "HEAD":
            continue
        if rule.path == "/logout":  # would end the walkers' sessions (test_sign_in checks it)
            continue
        path = fill(rule.path)
        for role in (None, *ROLE_ORDER):
            if rule.kind == "api":
                headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
                response = api.client.request(rule.method, path, headers=headers)
            elif rule.method == "GET":
                response = browsers[role].get(path)
            else:
                response = browsers[role].post(path, {})
            checked += 1
            problem = _check(rule, role, response.status_code, response.text)
            if problem:
                wrong.append(f"{rule.method} {rule.path} as {role}: {problem}")
    assert wrong == [], "\n".join(wrong)
    assert checked > 400
