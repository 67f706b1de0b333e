"""The whole learning loop, through the real intake, pipeline, outbox and a GitHub contract
server: a SEV1 from an Alertmanager alert is resolved; closing it is refused until its
postmortem is published; the draft carries the timeline and durations; factors and an
action item are added; the postmortem is published; the action item becomes a GitHub issue;
closing that issue (its signed webhook) completes the item; the incident then closes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import WEBHOOK, am_alert, am_notification, custom_app
from tests.incidents.helpers import INCIDENTS, act, error_of
from tests.support.api import Harness
from tests.support.trackers import github
from tests.support.trackers.github import GitHubServer

HOOK_SECRET = "hook-secret-for-the-loop"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    monkeypatch.setenv("LOOP_GITHUB_TOKEN", github.TOKEN)
    monkeypatch.setenv("LOOP_HOOK_SECRET", HOOK_SECRET)
    with GitHubServer() as server:
        yield server


@pytest.fixture
def app(engine: Engine, tmp_path: Path, hub: GitHubServer) -> Iterator[Harness]:
    def with_tracker(doc: dict[str, Any]) -> None:
        doc["trackers"] = [
            {
                "name": "github",
                "kind": "github",
                "url": hub.url,
                "project": github.REPO,
                "token_env": "LOOP_GITHUB_TOKEN",
                "webhook_secret_env": "LOOP_HOOK_SECRET",
            }
        ]
        for team in doc["teams"]:
            if team["slug"] == "payments":
                team["tracker"] = "github"

    with custom_app(engine, tmp_path, with_tracker) as harness:
        yield harness


def test_from_an_alert_to_a_closed_incident_through_its_postmortem_and_tracker(
    app: Harness, hub: GitHubServer
) -> None:
    alert = am_alert("CheckoutErrors", severity="critical", service="payments-api")
    assert app.ingest(WEBHOOK, json=am_notification(alert)).status_code == 200
    app.drain()
    incident = app.ok("GET", f"{INCIDENTS}/INC-1")
    assert (incident["severity"], incident["team"]) == ("SEV1", "payments")
    app.clock.advance(minutes=5)
    act(app, "acknowledge")
    app.clock.advance(minutes=30)
    act(app, "resolve")
    app.drain()

    refused = app.post(f"{INCIDENTS}/INC-1/actions/close")
    error_of(refused, 409, "postmortem_required")

    draft = app.ok("GET", f"{INCIDENTS}/INC-1/postmortem")
    content = draft["content"]
    assert content["durations"]["time_to_acknowledge"] == 300.0
    assert content["durations"]["time_to_resolve"] == 2100.0
    kinds = [line["kind"] for line in content["timeline"]]
    assert "first_alert" in kinds and "alert_attached" in kinds and "declared" in kinds
    assert content["detection"]["alert_fired"] == "yes"

    factor = app.ok(
        "POST",
        f"{INCIDENTS}/INC-1/postmortem/factors",
        json={"category": "capacity", "description": "PSP pool of 5", "service": "payments-api"},
    )
    item = app.ok(
        "POST",
        f"{INCIDENTS}/INC-1/action-items",
        json={
            "title": "Alert when the PSP pool is 80% used for 5m",
            "team": "payments",
            "due_on": "2026-03-16",
            "kind": "detect",
            "factor_id": factor["id"],
        },
    )
    content["five_whys"] = [{"why": "Why did checkout fail?", "because": "The pool ran dry."}]
    app.ok("PUT", f"{INCIDENTS}/INC-1/postmortem", json={"content": content})
    app.ok("POST", f"{INCIDENTS}/INC-1/postmortem/publish")

    app.drain()  # the outbox writes the item to GitHub
    [(number, issue)] = list(hub.issues.items())
    assert issue["title"] == item["title"]
    assert issue["state"] == "open"

    headers, body = hub.webhook(int(number), "closed", HOOK_SECRET)
    answer = app.client.post("/api/v1/trackers/github/webhook", headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    done = app.ok("GET", f"/api/v1/action-items/{item['id']}")
    assert done["status"] == "done"

    headers, body = hub.webhook(int(number), "reopened", HOOK_SECRET)
    app.client.post("/api/v1/trackers/github/webhook", headers=headers, content=body)
    assert app.ok("GET", f"/api/v1/action-items/{item['id']}")["status"] == "open"
    headers, body = hub.webhook(int(number), "closed", HOOK_SECRET)
    app.client.post("/api/v1/trackers/github/webhook", headers=headers, content=body)
    assert app.ok("GET", f"/api/v1/action-items/{item['id']}")["status"] == "done"

    closed = act(app, "close")
    assert closed["status"] == "closed"
    app.drain()
    assert hub.issues[number]["state"] == "closed"
