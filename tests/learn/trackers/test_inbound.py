"""Tracker webhooks: the signature of each kind is checked (401 naming the header), a
close or reopen of a known issue reaches the listener, anything else is ignored."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.learn.trackers.conftest import HOOK_SECRET, KINDS, Servers, Sync, item
from tests.support.api import Harness, running_app
from warroom.learn.trackers import listener
from warroom.learn.trackers.models import IssueState, SubjectKind


@dataclass
class Recorder:
    heard: list[tuple[SubjectKind, int, bool, str]] = field(default_factory=list)

    def tracker_state_changed(
        self,
        session: Session,
        *,
        subject_kind: SubjectKind,
        subject_id: int,
        closed: bool,
        tracker: str,
        now: datetime,
    ) -> None:
        self.heard.append((subject_kind, subject_id, closed, tracker))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    listener.install(recorder)
    yield recorder
    listener.uninstall(recorder)


@pytest.fixture
def app(engine: Engine, config_path: Path, sync: Sync) -> Iterator[Harness]:
    with running_app(engine, config_path, sync.clock) as harness:
        yield harness


def event(
    servers: Servers, kind: str, external_id: str, closed: bool, sync: Sync, secret: str
) -> tuple[dict[str, str], bytes]:
    if kind == "github":
        return servers.github.webhook(int(external_id), "closed" if closed else "reopened", secret)
    if kind == "gitlab":
        return servers.gitlab.webhook(int(external_id), "close" if closed else "reopen", secret)
    if kind == "jira":
        return servers.jira.webhook(external_id, closed, secret)
    if kind == "youtrack":
        return servers.youtrack.webhook(external_id, closed, secret)
    if secret != HOOK_SECRET:
        servers.webhook.secret = secret
    return servers.webhook.webhook(external_id, closed, int(sync.clock().timestamp()))


def created(sync: Sync, kind: str) -> str:
    sync.enqueue(kind, item(1))
    sync.run()
    external = sync.issue(kind, SubjectKind.ACTION_ITEM, 7).external_id
    assert external is not None
    return external


@pytest.mark.parametrize("kind", KINDS)
def test_close_and_reopen_reach_the_listener(
    kind: str, app: Harness, sync: Sync, servers: Servers, recorder: Recorder
) -> None:
    external = created(sync, kind)
    headers, body = event(servers, kind, external, True, sync, HOOK_SECRET)
    response = app.client.post(f"/api/v1/trackers/{kind}/webhook", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"result": "applied"})
    assert recorder.heard == [(SubjectKind.ACTION_ITEM, 7, True, kind)]
    assert sync.issue(kind, SubjectKind.ACTION_ITEM, 7).state is IssueState.CLOSED

    headers, body = event(servers, kind, external, False, sync, HOOK_SECRET)
    response = app.client.post(f"/api/v1/trackers/{kind}/webhook", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"result": "applied"})
    assert recorder.heard[-1] == (SubjectKind.ACTION_ITEM, 7, False, kind)
    assert sync.issue(kind, SubjectKind.ACTION_ITEM, 7).state is IssueState.OPEN


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("github", "X-Hub-Signature-256"),
        ("gitlab", "X-Gitlab-Token"),
        ("jira", "X-Hub-Signature"),
        ("youtrack", "X-Warroom-Token"),
        ("webhook", "X-Warroom-Signature"),
    ],
)
def test_a_wrong_signature_is_a_401_naming_the_header(
    kind: str, header: str, app: Harness, sync: Sync, servers: Servers, recorder: Recorder
) -> None:
    external = created(sync, kind)
    headers, body = event(servers, kind, external, True, sync, "not-the-secret")
    response = app.client.post(f"/api/v1/trackers/{kind}/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["field"] == header
    assert response.json()["error"]["message"] == f"{header} does not match"
    headers.pop(header)
    response = app.client.post(f"/api/v1/trackers/{kind}/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == f"{header} is missing"
    assert recorder.heard == []
    assert sync.issue(kind, SubjectKind.ACTION_ITEM, 7).state is IssueState.OPEN


def test_an_unknown_issue_is_ignored(app: Harness, servers: Servers, recorder: Recorder) -> None:
    headers, body = servers.github.webhook(41, "closed", HOOK_SECRET)
    response = app.client.post("/api/v1/trackers/github/webhook", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})
    assert recorder.heard == []


def test_other_actions_are_ignored(
    app: Harness, sync: Sync, servers: Servers, recorder: Recorder
) -> None:
    external = created(sync, "github")
    headers, body = servers.github.webhook(int(external), "labeled", HOOK_SECRET)
    response = app.client.post("/api/v1/trackers/github/webhook", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})
    assert recorder.heard == []


def test_the_echo_of_warroom_s_own_close_is_harmless(
    app: Harness, sync: Sync, servers: Servers, recorder: Recorder
) -> None:
    sync.enqueue("github", item(1, closed=True))
    sync.run()
    headers, body = servers.github.webhook(1, "closed", HOOK_SECRET)
    response = app.client.post("/api/v1/trackers/github/webhook", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"result": "applied"})
    assert sync.issue("github", SubjectKind.ACTION_ITEM, 7).state is IssueState.CLOSED
    assert recorder.heard == [(SubjectKind.ACTION_ITEM, 7, True, "github")]


def test_an_unknown_tracker_is_a_404(app: Harness) -> None:
    response = app.client.post("/api/v1/trackers/nope/webhook", content=b"{}")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "name"


def test_a_body_that_is_not_json_is_a_422(app: Harness) -> None:
    body = b"not json"
    digest = hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = app.client.post(
        "/api/v1/trackers/github/webhook",
        content=body,
        headers={"X-Hub-Signature-256": f"sha256={digest}", "X-GitHub-Event": "issues"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body"


def test_a_stale_generic_webhook_is_refused(app: Harness, sync: Sync, servers: Servers) -> None:
    headers, body = servers.webhook.webhook("WH-x", True, int(sync.clock().timestamp()) - 600)
    response = app.client.post("/api/v1/trackers/webhook/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "X-Warroom-Timestamp"
