"""An in-process warroom (real database, real config file) and an HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.clock import FakeClock
from warroom.app import create_app
from warroom.auth import service as auth_service
from warroom.auth.models import UserRole
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.settings import Settings


@dataclass
class Harness:
    client: TestClient
    clock: FakeClock
    engine: Engine
    live_config: LiveConfig
    admin_token: str
    app: FastAPI

    def drain(self) -> int:
        """Run the worker (signal pipeline and due jobs) until it is idle."""
        done: int = self.app.state.worker.drain()
        return done

    def ingest(self, path: str, **kwargs: Any) -> Any:
        """POST to an ingest endpoint (no bearer token; the key is in the path or body)."""
        return self.client.post(path, **kwargs)

    def user(self, username: str, role: UserRole = UserRole.RESPONDER) -> str:
        """Create a user and return a token for it."""
        with make_session_factory(self.engine)() as session:
            user = auth_service.create_user(session, username, role, self.clock())
            _row, secret = auth_service.create_token(session, user, "test", self.clock())
            session.commit()
        return secret

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {token or self.admin_token}")
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json()

    def declare(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Checkout returns 503", "severity": "SEV1", "team": "payments"}
        body.update(fields)
        result: dict[str, Any] = self.ok("POST", "/api/v1/incidents", json=body)
        return result


@contextmanager
def running_app(
    engine: Engine, config_path: Path, clock: FakeClock | None = None, **settings: Any
) -> Iterator[Harness]:
    clock = clock or FakeClock()
    live = LiveConfig(config_path)
    app = create_app(Settings(**settings), live, engine=engine, clock=clock)
    with make_session_factory(engine)() as session:
        admin = auth_service.create_user(session, "admin", UserRole.ADMIN, clock())
        _row, secret = auth_service.create_token(session, admin, "test", clock())
        session.commit()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Harness(client, clock, engine, live, secret, app)
