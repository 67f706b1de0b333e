"""A test organisation with error-tracking projects, and what Sentry SDKs send it."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.alerts.support import custom_app
from tests.support.api import Harness

from warroom.db.engine import make_session_factory
from warroom.ingest.sentry.models import ErrorItem

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sentry"
ENVELOPES = FIXTURES / "envelopes"
SDK_EVENTS = FIXTURES / "sdk-events"
KEY = "abc123publickey"
"""The key of the DSN the fixture envelopes were captured with (project 42)."""
OTHER_KEY = "0123456789abcdef0123456789abcdef"
PROJECT_ID = 42
OTHER_PROJECT_ID = 7
AUTH = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"


def projects(doc: dict[str, Any]) -> None:
    doc["projects"] = [
        {
            "slug": "api",
            "id": PROJECT_ID,
            "team": "payments",
            "platform": "python",
            "allowed_origins": ["http://127.0.0.1:5173"],
            "keys": [{"public_key": KEY}, {"public_key": "disabledkey0001", "disabled": True}],
        },
        {
            "slug": "web",
            "id": OTHER_PROJECT_ID,
            "team": "checkout",
            "platform": "javascript",
            "keys": [{"public_key": OTHER_KEY}],
        },
    ]


@contextmanager
def error_app(
    engine: Engine, tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None
) -> Iterator[Harness]:
    def configure(doc: dict[str, Any]) -> None:
        projects(doc)
        if change is not None:
            change(doc)

    with custom_app(engine, tmp_path, configure) as harness:
        yield harness


def envelope(name: str) -> bytes:
    return (ENVELOPES / name).read_bytes()


def make_envelope(headers: dict[str, Any], *items: tuple[dict[str, Any], bytes]) -> bytes:
    lines = [orjson.dumps(headers)]
    for item_headers, payload in items:
        lines += [orjson.dumps(item_headers), payload]
    return b"\n".join(lines) + b"\n"


def event_envelope(event_id: str, event: dict[str, Any] | None = None) -> bytes:
    payload = orjson.dumps({"event_id": event_id, "message": "boom", **(event or {})})
    return make_envelope({"event_id": event_id}, ({"type": "event"}, payload))


def post_envelope(
    api: Harness,
    body: bytes,
    *,
    project: int = PROJECT_ID,
    auth: str | None = AUTH,
    gzipped: bool = True,
    query: str = "",
    headers: dict[str, str] | None = None,
) -> Any:
    sent = dict(headers or {})
    if auth is not None:
        sent["X-Sentry-Auth"] = auth
    sent.setdefault("Content-Type", "application/x-sentry-envelope")
    if gzipped:
        body = gzip.compress(body)
        sent["Content-Encoding"] = "gzip"
    return api.client.post(f"/api/{project}/envelope/{query}", content=body, headers=sent)


def stored_items(engine: Engine) -> list[ErrorItem]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(ErrorItem).order_by(ErrorItem.id)))


def session_of(engine: Engine) -> Session:
    return make_session_factory(engine)()
