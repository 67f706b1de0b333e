"""A signed-in browser for page tests: its own cookie jar, the CSRF token of its pages
added to every form it posts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.api import Harness
from warroom.auth import service as auth_service
from warroom.auth import web_sessions
from warroom.auth.models import TeamMembership, User, UserRole
from warroom.db.engine import make_session_factory

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Browser:
    client: TestClient
    csrf: str = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        found = _TOKEN.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Posts a form with the browser's CSRF token (``csrf=False``: without one)."""
        form = dict(data or {})
        if kwargs.pop("csrf", True):
            if not self.csrf:
                self.get("/login")
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(path, data=form, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        if response.status_code == 303:
            self.get("/incidents")
        return response


def browser(harness: Harness) -> Browser:
    """A browser with no session (its own cookies)."""
    return Browser(TestClient(harness.app, raise_server_exceptions=False, follow_redirects=False))


def web_user(
    harness: Harness,
    username: str,
    role: UserRole = UserRole.RESPONDER,
    teams: tuple[str, ...] = (),
) -> Browser:
    """A user with a password (created if missing, with these team memberships), signed in."""
    with make_session_factory(harness.engine)() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = auth_service.create_user(session, username, role, harness.clock())
        web_sessions.set_password(session, user, PASSWORD, harness.clock())
        for team in teams:
            session.add(TeamMembership(user=user, team=team))
        session.commit()
    client = browser(harness)
    response = client.sign_in(username)
    assert response.status_code == 303, response.text
    return client
