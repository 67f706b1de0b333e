"""A warroom with one tracker of each kind, each served by its contract server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.clock import FakeClock
from tests.support.trackers import github, gitlab, jira, youtrack
from tests.support.trackers.github import GitHubServer
from tests.support.trackers.gitlab import GitLabServer
from tests.support.trackers.jira import JiraServer
from tests.support.trackers.server import ContractServer
from tests.support.trackers.webhook import WebhookReceiver
from tests.support.trackers.youtrack import YouTrackServer
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.learn.trackers.enqueue import TrackerSubject, enqueue_tracker_sync
from warroom.learn.trackers.models import SubjectKind, TrackerIssue
from warroom.learn.trackers.sender import TrackerSender
from warroom.notify.delivery_worker import OutboxSender
from warroom.notify.models import Channel, Delivery
from warroom.settings import Settings

KINDS = ("github", "gitlab", "jira", "youtrack", "webhook")
HOOK_SECRET = "hook-secret-for-tests"


@dataclass
class Servers:
    github: GitHubServer
    gitlab: GitLabServer
    jira: JiraServer
    youtrack: YouTrackServer
    webhook: WebhookReceiver

    def of(self, kind: str) -> ContractServer:
        server: ContractServer = getattr(self, kind)
        return server


def closed_in(servers: Servers, kind: str, external_id: str) -> bool:
    """Whether the tracker shows the issue closed, in the tracker's own terms."""
    if kind == "github":
        return bool(servers.github.issues[external_id]["state"] == "closed")
    if kind == "gitlab":
        return bool(servers.gitlab.issues[external_id]["state"] == "closed")
    if kind == "jira":
        return servers.jira.category(external_id) == "done"
    if kind == "youtrack":
        return youtrack.STATES[servers.youtrack.issues[external_id]["state"]]
    return bool(servers.webhook.issues[external_id]["closed"])


def title_in(servers: Servers, kind: str, external_id: str) -> str:
    issue = servers.of(kind).issues[external_id]
    if kind == "jira":
        return str(issue["fields"]["summary"])
    if kind == "youtrack":
        return str(issue["summary"])
    return str(issue["title"])


def config_text(servers: Servers, writes_per_minute: int = 30) -> str:
    return f"""
organization: {{name: Tracker Test}}
teams:
  - {{slug: payments, name: Payments, timezone: UTC, tracker: github, track_incidents: true}}
  - {{slug: search, name: Search, timezone: UTC, tracker: gitlab}}
notifications:
  retry: {{max_attempts: 5, first_delay: 10s, max_delay: 1m}}
trackers:
  - name: github
    kind: github
    url: "{servers.github.url}"
    project: {github.REPO}
    token_env: TEST_GITHUB_TOKEN
    webhook_secret_env: TEST_TRACKER_HOOK_SECRET
    writes_per_minute: {writes_per_minute}
    labels: [warroom]
  - name: gitlab
    kind: gitlab
    url: "{servers.gitlab.url}"
    project: {gitlab.PROJECT}
    token_env: TEST_GITLAB_TOKEN
    webhook_secret_env: TEST_TRACKER_HOOK_SECRET
  - name: jira
    kind: jira
    url: "{servers.jira.url}"
    project: {jira.PROJECT}
    email: {jira.EMAIL}
    token_env: TEST_JIRA_TOKEN
    webhook_secret_env: TEST_TRACKER_HOOK_SECRET
  - name: youtrack
    kind: youtrack
    url: "{servers.youtrack.url}"
    project: "{youtrack.PROJECT}"
    token_env: TEST_YOUTRACK_TOKEN
    webhook_secret_env: TEST_TRACKER_HOOK_SECRET
  - name: webhook
    kind: webhook
    url: "{servers.webhook.url}/issues"
    webhook_secret_env: TEST_TRACKER_HOOK_SECRET
"""


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Servers]:
    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.TOKEN)
    monkeypatch.setenv("TEST_GITLAB_TOKEN", gitlab.TOKEN)
    monkeypatch.setenv("TEST_JIRA_TOKEN", jira.TOKEN)
    monkeypatch.setenv("TEST_YOUTRACK_TOKEN", youtrack.TOKEN)
    monkeypatch.setenv("TEST_TRACKER_HOOK_SECRET", HOOK_SECRET)
    all_servers = Servers(
        GitHubServer(),
        GitLabServer(),
        JiraServer(),
        YouTrackServer(),
        WebhookReceiver(HOOK_SECRET),
    )
    started = [all_servers.of(kind).__enter__() for kind in KINDS]
    yield all_servers
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def config_path(tmp_path: Path, servers: Servers) -> Path:
    path = tmp_path / "warroom.yaml"
    path.write_text(config_text(servers))
    return path


@dataclass
class Sync:
    """Enqueue syncs and run the real outbox sender with the tracker sender."""

    session_factory: sessionmaker[Session]
    live: LiveConfig
    clock: FakeClock
    outbox: OutboxSender

    def enqueue(self, tracker: str, subject: TrackerSubject) -> Delivery | None:
        with self.session_factory() as session:
            delivery = enqueue_tracker_sync(
                session, self.live.current, tracker=tracker, subject=subject, now=self.clock()
            )
            session.commit()
            return delivery

    def run(self) -> int:
        return self.outbox(self.session_factory, self.live, self.clock())

    def deliveries(self) -> list[Delivery]:
        with self.session_factory() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))

    def issue(self, tracker: str, kind: SubjectKind, subject_id: int) -> TrackerIssue:
        with self.session_factory() as session:
            row = session.scalar(
                select(TrackerIssue).where(
                    TrackerIssue.tracker == tracker,
                    TrackerIssue.subject_kind == kind,
                    TrackerIssue.subject_id == subject_id,
                )
            )
            assert row is not None
            return row


@pytest.fixture
def sync(engine: Engine, config_path: Path) -> Sync:
    session_factory = make_session_factory(engine)
    clock = FakeClock()
    outbox = OutboxSender(
        Settings(), clock, senders={Channel.TRACKER: TrackerSender(session_factory)}, parallel=1
    )
    return Sync(session_factory, LiveConfig(config_path), clock, outbox)


def item(
    revision: int,
    *,
    closed: bool = False,
    title: str = "Add a retry budget",
    subject_id: int = 7,
    **fields: Any,
) -> TrackerSubject:
    values: dict[str, Any] = {
        "kind": SubjectKind.ACTION_ITEM,
        "id": subject_id,
        "title": title,
        "body": "After INC-12 the **checkout** retries piled up.",
        "closed": closed,
        "url": f"https://warroom.example/actions/{subject_id}",
        "revision": revision,
        "labels": ["postmortem"],
        "assignee": None,
        "due": date(2026, 12, 31),
    }
    values.update(fields)
    return TrackerSubject(**values)


Make = Callable[..., TrackerSubject]
