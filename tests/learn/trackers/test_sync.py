"""Syncing subjects to each tracker through the real outbox sender and the tracker's
contract server: create, update, close, reopen; one issue per subject; write limits; the
tracker's own rate limits; dead letters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.learn.trackers.conftest import (
    KINDS,
    Servers,
    Sync,
    closed_in,
    config_text,
    item,
    title_in,
)
from tests.support.trackers.server import Answer
from warroom.learn.trackers.models import IssueState, SubjectKind
from warroom.notify.models import DeliveryStatus


@pytest.mark.parametrize("kind", KINDS)
def test_create_update_close_reopen(kind: str, sync: Sync, servers: Servers) -> None:
    sync.enqueue(kind, item(1))
    assert sync.run() == 1
    row = sync.issue(kind, SubjectKind.ACTION_ITEM, 7)
    assert row.external_id is not None
    assert row.state is IssueState.OPEN
    external = row.external_id
    assert list(servers.of(kind).issues) == [external]
    assert title_in(servers, kind, external) == "Add a retry budget"
    assert closed_in(servers, kind, external) is False

    sync.enqueue(kind, item(2, title="Add a retry budget to checkout"))
    sync.run()
    assert title_in(servers, kind, external) == "Add a retry budget to checkout"

    sync.enqueue(kind, item(3, closed=True, title="Add a retry budget to checkout"))
    sync.run()
    assert closed_in(servers, kind, external) is True
    assert sync.issue(kind, SubjectKind.ACTION_ITEM, 7).state is IssueState.CLOSED

    sync.enqueue(kind, item(4, closed=False, title="Add a retry budget to checkout"))
    sync.run()
    assert closed_in(servers, kind, external) is False
    row = sync.issue(kind, SubjectKind.ACTION_ITEM, 7)
    assert (row.state, row.synced_revision) == (IssueState.OPEN, 4)
    assert list(servers.of(kind).issues) == [external]
    assert [d.status for d in sync.deliveries()] == [DeliveryStatus.DELIVERED] * 4


def test_github_issue_carries_body_labels_and_link(sync: Sync, servers: Servers) -> None:
    sync.enqueue("github", item(1, assignee="octocat"))
    sync.run()
    issue = servers.github.issues["1"]
    assert issue["labels"] == [{"name": "warroom"}, {"name": "postmortem"}]
    assert issue["assignees"] == [{"login": "octocat"}]
    assert issue["body"] == (
        "After INC-12 the **checkout** retries piled up.\n\n"
        "In warroom: https://warroom.example/actions/7\nDue: 2026-12-31"
    )
    assert sync.deliveries()[0].response == {
        "external_id": "1",
        "key": "#1",
        "url": "https://github.com/acme/ops/issues/1",
    }


def test_a_subject_created_closed_is_closed_in_the_tracker(sync: Sync, servers: Servers) -> None:
    sync.enqueue("jira", item(1, closed=True))
    sync.run()
    assert servers.jira.category("10001") == "done"


def test_syncs_queued_before_the_first_is_sent_make_one_issue(sync: Sync, servers: Servers) -> None:
    for revision, title in ((1, "first"), (2, "second"), (3, "third")):
        sync.enqueue("github", item(revision, title=title, closed=revision == 3))
    assert sync.run() == 3
    assert [call.method for call in servers.github.writes()] == ["POST", "PATCH"]
    assert servers.github.issues["1"]["title"] == "third"
    assert servers.github.issues["1"]["state"] == "closed"
    responses = [d.response for d in sync.deliveries()]
    assert responses[:2] == [{"superseded": True}, {"superseded": True}]


def test_the_same_revision_twice_enqueues_once(sync: Sync) -> None:
    assert sync.enqueue("github", item(1)) is not None
    assert sync.enqueue("github", item(1)) is None
    assert len(sync.deliveries()) == 1


def test_a_sync_waits_while_another_of_the_subject_is_being_written(
    sync: Sync, servers: Servers
) -> None:
    sync.enqueue("github", item(1))
    with sync.session_factory() as session:
        row = session.merge(sync.issue("github", SubjectKind.ACTION_ITEM, 7))
        row.sending = 999
        row.lease_until = sync.clock() + timedelta(minutes=2)
        session.commit()
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error == "another sync of action_item 7 is being written"
    assert servers.github.writes() == []


def test_writes_per_minute_postpones_the_rest(
    sync: Sync, servers: Servers, config_path: Path
) -> None:
    config_path.write_text(config_text(servers, writes_per_minute=2))
    sync.live.reload()
    for subject_id in (1, 2, 3):
        sync.enqueue("github", item(1, subject_id=subject_id))
    sync.run()
    assert len(servers.github.writes()) == 2
    third = sync.deliveries()[2]
    assert third.status is DeliveryStatus.PENDING
    assert third.last_error == "tracker 'github': 2 writes a minute reached, postponed"
    assert third.due_at >= sync.clock() + timedelta(seconds=60)
    sync.clock.advance(seconds=61)
    sync.run()
    assert len(servers.github.writes()) == 3
    assert sync.deliveries()[2].status is DeliveryStatus.DELIVERED


def test_a_429_with_retry_after_is_retried_after_it(sync: Sync, servers: Servers) -> None:
    servers.gitlab.fail_next(
        Answer(429, {"message": "429 Too Many Requests"}, {"Retry-After": "120"})
    )
    sync.enqueue("gitlab", item(1))
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.due_at >= sync.clock() + timedelta(seconds=120)
    assert "HTTP 429" in (delivery.last_error or "")
    sync.clock.advance(seconds=121)
    sync.run()
    assert sync.deliveries()[0].status is DeliveryStatus.DELIVERED
    assert list(servers.gitlab.issues) == ["1"]


def test_github_primary_rate_limit_waits_for_the_reset(sync: Sync, servers: Servers) -> None:
    reset = int(sync.clock().timestamp()) + 600
    servers.github.fail_next(
        Answer(
            403,
            {"message": "API rate limit exceeded for user ID 1."},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        )
    )
    sync.enqueue("github", item(1))
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.due_at >= sync.clock() + timedelta(seconds=600)


def test_github_secondary_limit_403_with_retry_after(sync: Sync, servers: Servers) -> None:
    servers.github.fail_next(
        Answer(403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "90"})
    )
    sync.enqueue("github", item(1))
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.due_at >= sync.clock() + timedelta(seconds=90)


def test_a_server_error_is_retried(sync: Sync, servers: Servers) -> None:
    servers.youtrack.fail_next(Answer(503, {"error": "unavailable"}))
    sync.enqueue("youtrack", item(1))
    sync.run()
    (delivery,) = sync.deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)


def test_bad_credentials_dead_letter_at_once(
    sync: Sync, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_GITLAB_TOKEN", "glpat-wrong")
    sync.enqueue("gitlab", item(1))
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.DEAD
    assert delivery.last_error == (
        f"POST {servers.gitlab.url}/api/v4/projects/acme%2Fops/issues: HTTP 401: "
        '{"message": "401 Unauthorized"}'
    )


def test_a_validation_error_dead_letters_with_the_trackers_text(
    sync: Sync, servers: Servers
) -> None:
    sync.enqueue("github", item(1, title=""))
    sync.run()
    (delivery,) = sync.deliveries()
    assert delivery.status is DeliveryStatus.DEAD
    assert "HTTP 422" in (delivery.last_error or "")
    assert '"code": "missing_field", "field": "title"' in (delivery.last_error or "")
    row = sync.issue("github", SubjectKind.ACTION_ITEM, 7)
    assert (row.external_id, row.sending) == (None, None)


def test_the_outbox_key_names_tracker_subject_and_revision(sync: Sync) -> None:
    delivery = sync.enqueue("webhook", item(1, subject_id=3))
    assert delivery is not None
    assert delivery.incident_id is None
    assert delivery.key == "tracker:webhook:action_item:3:1"
