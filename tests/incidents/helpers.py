"""Small helpers shared by the incident, API and auth tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.api import Harness

TEST_CONFIG = Path(__file__).parents[1] / "fixtures" / "warroom.yaml"
INCIDENTS = "/api/v1/incidents"


def when(value: str | None) -> datetime | None:
    """Parse a timestamp from an API answer."""
    return None if value is None else datetime.fromisoformat(value)


def timeline(api: Harness, ref: str = "INC-1", **params: Any) -> list[dict[str, Any]]:
    body = api.ok("GET", f"{INCIDENTS}/{ref}/timeline", params=params)
    entries: list[dict[str, Any]] = body["entries"]
    return entries


def kinds(api: Harness, ref: str = "INC-1") -> list[str]:
    return [entry["kind"] for entry in timeline(api, ref)]


def act(api: Harness, action: str, ref: str = "INC-1", **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("POST", f"{INCIDENTS}/{ref}/actions/{action}", **kwargs)
    return result


def publish_postmortem(api: Harness, ref: str = "INC-1") -> None:
    """SEV1 and SEV2 close only once their postmortem is published (issue 15): write one."""
    api.ok("POST", f"{INCIDENTS}/{ref}/postmortem")
    api.ok("POST", f"{INCIDENTS}/{ref}/postmortem/publish")


def close(api: Harness, ref: str = "INC-1") -> dict[str, Any]:
    """Publish the incident's postmortem, then close it."""
    publish_postmortem(api, ref)
    return act(api, "close", ref)


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the answer is the JSON error shape with this status and return the error."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert {"code", "message"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error
