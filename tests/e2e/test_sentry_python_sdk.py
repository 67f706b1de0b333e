"""The real sentry-sdk (Python) against ``warroom serve`` on loopback, on SQLite and
PostgreSQL: an unhandled exception of a WSGI app, the logging integration, a custom
fingerprint, an attachment and a transaction, sent gzip- or brotli-compressed, become
issues a responder can look up by the event ids the SDK answered with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import Stack, Warroom

pytestmark = pytest.mark.slow
KEY = "e2e0sentry0python0key0123456789a"
PROJECT_ID = 42
ROOT = Path(__file__).parents[2]
APP_SECONDS = 60
FLOOD_EVENTS = 20  # as tests/e2e/clients/python_app.py sends

PROJECTS = {
    "projects": [
        {
            "slug": "shop",
            "id": PROJECT_ID,
            "team": "payments",
            "platform": "python",
            "keys": [{"public_key": KEY}],
            "code_owners": ["path:*python_app.py #checkout"],
        }
    ],
    "issue_rules": [
        {
            "name": "new-errors",
            "conditions": [{"kind": "new_issue"}],
            "level": "error",
            "action": "incident",
            "severity": "SEV2",
        }
    ],
}


def run_app(warroom: Warroom, compression: str) -> dict[str, Any]:
    dsn = f"http://{KEY}@{warroom.hostport}/{PROJECT_ID}"
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.clients.python_app", dsn, compression],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=APP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sent: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return sent


def event(warroom: Warroom, event_id: str) -> dict[str, Any] | None:
    answer = warroom.client.get(f"/api/v1/errors/events/{event_id}")
    return answer.json() if answer.status_code == 200 else None


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("compression", ["gzip", "br"])
def test_the_python_sdk_reports_to_warroom(
    stack: Stack, request: pytest.FixtureRequest, backend: str, compression: str
) -> None:
    url = request.getfixturevalue("empty_postgres_url") if backend == "postgres" else None
    warroom = stack.warroom(database_url=url, extra=PROJECTS)
    warroom.wait_ready()
    sent = run_app(warroom, compression)
    assert sent["wsgi_status"] == 500
    assert len(sent["events"]) == 4  # wsgi, logging, fingerprinted, with attachment

    found = {
        event_id: stack.wait(lambda e=event_id: event(warroom, e), f"event {event_id}")
        for event_id in sent["events"]
    }
    issues = {
        i["short_id"]: i for i in warroom.get("/api/v1/errors/issues", project="shop")["items"]
    }
    assert len(issues) == 4
    titles = {issue["title"] for issue in issues.values()}
    assert "KeyError: 'missing-order'" in titles
    assert "payment p-1 failed" in titles
    assert "ValueError: card declined for order o-1" in titles
    assert "checkout trace attached" in titles
    assert all(f["project"] == "shop" for f in found.values())

    wsgi = next(i for i in issues.values() if i["title"].startswith("KeyError"))
    assert wsgi["culprit"] == "generic WSGI request"  # the transaction, as Sentry shows it
    assert (wsgi["team"], wsgi["routed_by"]["step"]) == ("checkout", "code_owners")
    detail = warroom.get(f"/api/v1/errors/issues/{wsgi['short_id']}")
    frames = detail["sample"]["body"]["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["context_line"].strip() == 'return [bytes(orders["missing-order"])]'
    assert frames[-1]["pre_context"] and frames[-1]["post_context"]
    assert detail["sample"]["body"]["request"]["url"].endswith("/boom")
    assert detail["tags"]["release"] == [{"value": "shop@1.4.0", "count": 1}]
    # The new-issue rule opened an incident for each error-level issue (not the warning).
    incidents = stack.wait(
        lambda: (
            [i for i in warroom.incidents() if i["title"].startswith("SHOP-")]
            if len(warroom.incidents()) >= 3
            else None
        ),
        "incidents of new issues",
    )
    assert len(incidents) == 3
    assert warroom.get(f"/api/v1/errors/issues/{wsgi['short_id']}")["incident"]

    fingerprinted = found[sent["fingerprinted"]]
    explained = warroom.get(f"/api/v1/errors/events/{sent['fingerprinted']}/grouping")
    assert explained["issue"] == fingerprinted["issue"]
    attached = warroom.get("/api/v1/projects/shop")
    assert attached["intake"]["accepted"] >= 6  # 4 events, an attachment, a transaction


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_python_sdk_backs_off_when_its_project_is_over_quota(
    stack: Stack, request: pytest.FixtureRequest, backend: str
) -> None:
    url = request.getfixturevalue("empty_postgres_url") if backend == "postgres" else None
    limited = {**PROJECTS, "projects": [{**PROJECTS["projects"][0], "events_per_minute": 6}]}
    warroom = stack.warroom(database_url=url, extra=limited)
    warroom.wait_ready()
    sent = run_app(warroom, "flood")
    assert len(sent["events"]) == FLOOD_EVENTS

    def reported() -> dict[str, Any] | None:
        project = warroom.get("/api/v1/projects/shop")
        backoff = [o for o in project["outcomes"] if o["reason"] == "ratelimit_backoff"]
        return project if backoff else None

    project = stack.wait(reported, "the SDK's client report of what it dropped")
    accepted = project["intake"].get("accepted", 0)
    refused = project["intake"].get("rate_limited", 0)
    (backoff,) = [o for o in project["outcomes"] if o["reason"] == "ratelimit_backoff"]
    assert (backoff["source"], backoff["category"]) == ("client", "error")
    # The SDK sent until its first 429, then dropped the rest itself and said so.
    assert refused >= 1
    assert accepted + refused + backoff["quantity"] >= FLOOD_EVENTS
    assert backoff["quantity"] >= FLOOD_EVENTS // 2
