"""Sending sessions, check-ins, transactions and logs the way SDKs do, for the tests of the
non-error item kinds."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from tests.errors.support import make_envelope, post_envelope
from tests.support.api import Harness


def send_items(api: Harness, *items: tuple[str, dict[str, Any]]) -> None:
    body = make_envelope({}, *(({"type": kind}, orjson.dumps(payload)) for kind, payload in items))
    response = post_envelope(api, body)
    assert response.status_code == 200, response.text


def session_update(
    sid: str,
    *,
    init: bool = False,
    status: str = "ok",
    errors: int = 0,
    did: str | None = None,
    release: str = "api@1.2",
    environment: str = "production",
    started: str = "2026-03-02T09:00:00Z",
) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "sid": sid,
        "init": init,
        "status": status,
        "errors": errors,
        "started": started,
        "timestamp": started,
        "attrs": {"release": release, "environment": environment},
    }
    if did is not None:
        body["did"] = did
    return "session", body


def check_in(
    slug: str,
    status: str,
    check_in_id: str | None = None,
    config: dict[str, Any] | None = None,
    environment: str = "production",
) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "check_in_id": check_in_id or uuid.uuid4().hex,
        "monitor_slug": slug,
        "status": status,
        "environment": environment,
    }
    if config is not None:
        body["monitor_config"] = config
    return "check_in", body
