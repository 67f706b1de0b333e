"""Sentry events through the worker, on both databases: issues with exact counts, samples,
states and regressions, ownership, issue rules that open incidents and notify teams."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select

from tests.errors.support import (
    KEY,
    OTHER_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    envelope,
    error_app,
    make_envelope,
    post_envelope,
    session_of,
)
from tests.support.api import Harness
from warroom.errors.issues import SAMPLES_KEPT
from warroom.errors.items import pending_projects
from warroom.errors.models import Attachment, ErrorEvent, IssueMinute, ProjectOutcome
from warroom.errors.retention import KEEP_ITEMS, KEEP_MINUTES, prune
from warroom.ingest.sentry.models import ErrorItem, ItemKind, ItemOutcome

WSGI_EVENT = "7e4567b307874c7d8f6b77873eb3c7cf"


def frame(
    function: str, lineno: int = 10, module: str = "app.views", in_app: bool = True
) -> dict[str, Any]:
    return {
        "filename": module.replace(".", "/") + ".py",
        "abs_path": "/srv/" + module.replace(".", "/") + ".py",
        "module": module,
        "function": function,
        "lineno": lineno,
        "context_line": f"    {function}()",
        "pre_context": ["def outer():"],
        "post_context": ["    return"],
        "in_app": in_app,
    }


def error_event(
    *,
    kind: str = "ValueError",
    value: str = "bad input",
    function: str = "handle",
    lineno: int = 10,
    module: str = "app.views",
    release: str | None = "api@1.0.0",
    environment: str = "production",
    user: str | None = None,
    tags: dict[str, str] | None = None,
    event_id: str | None = None,
) -> tuple[str, bytes]:
    event_id = event_id or uuid.uuid4().hex
    event: dict[str, Any] = {
        "event_id": event_id,
        "platform": "python",
        "level": "error",
        "environment": environment,
        "exception": {
            "values": [
                {
                    "type": kind,
                    "value": value,
                    "module": None,
                    "stacktrace": {
                        "frames": [frame("main", 3, "app.wsgi"), frame(function, lineno, module)]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "GET /orders", "category": "http"}]},
        "request": {"url": "https://api.example.com/orders", "method": "GET"},
    }
    if release:
        event["release"] = release
    if user:
        event["user"] = {"id": user}
    if tags:
        event["tags"] = tags
    body = make_envelope({"event_id": event_id}, ({"type": "event"}, orjson.dumps(event)))
    return event_id, body


def send(api: Harness, **fields: Any) -> str:
    event_id, body = error_event(**fields)
    response = post_envelope(api, body)
    assert response.status_code == 200, response.text
    return event_id


def issues(api: Harness, **params: Any) -> list[dict[str, Any]]:
    return list(api.ok("GET", "/api/v1/errors/issues", params=params)["items"])


def only_issue(api: Harness) -> dict[str, Any]:
    (issue,) = issues(api)
    detail: dict[str, Any] = api.ok("GET", f"/api/v1/errors/issues/{issue['short_id']}")
    return detail


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def test_a_captured_sdk_event_becomes_an_issue_with_its_sample(api: Harness) -> None:
    assert post_envelope(api, envelope("envelope_wsgi_unhandled_event.txt")).status_code == 200
    api.drain()
    issue = only_issue(api)
    assert issue["short_id"] == "API-1"
    assert issue["title"] == "KeyError: 'missing-key'"
    assert issue["metadata"]["type"] == "KeyError"
    assert (issue["status"], issue["substatus"]) == ("unresolved", "new")
    assert (issue["events"], issue["first_release"]) == (1, "myapp@1.2.4")
    assert issue["team"] == "payments"
    assert issue["routed_by"]["step"] == "project"
    assert issue["tags"]["environment"] == [{"value": "production", "count": 1}]
    assert issue["tags"]["release"] == [{"value": "myapp@1.2.4", "count": 1}]
    assert issue["releases"][0]["release"] == "myapp@1.2.4"
    sample = issue["sample"]["body"]
    frames = sample["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["context_line"] == '        raise KeyError("missing-key")'
    assert frames[-1]["pre_context"] and frames[-1]["post_context"]
    assert sample["request"]["url"]
    event = api.ok("GET", f"/api/v1/errors/events/{WSGI_EVENT}")
    assert (event["issue"], event["stored"]) == ("API-1", True)


def test_repeats_join_their_issue_and_every_count_is_exact(api: Harness) -> None:
    for n in range(SAMPLES_KEPT + 5):
        send(api, user=f"user-{n % 4}", lineno=10 + n, tags={"customer": f"c{n % 2}"})
    send(api, kind="TypeError", function="other")
    api.drain()
    first, second = sorted(issues(api), key=lambda i: i["id"])
    assert (first["events"], first["users"]) == (SAMPLES_KEPT + 5, 4)
    assert second["events"] == 1
    detail = api.ok("GET", f"/api/v1/errors/issues/{first['short_id']}")
    assert {v["value"]: v["count"] for v in detail["tags"]["customer"]} == {"c0": 8, "c1": 7}
    with session_of(api.engine) as session:
        bodies = session.scalar(
            select(func.count()).where(
                ErrorEvent.issue_id == first["id"], ErrorEvent.body.is_not(None)
            )
        )
        rows = session.scalar(select(func.count()).where(ErrorEvent.issue_id == first["id"]))
    assert bodies == SAMPLES_KEPT + 1  # the latest ones and the first
    assert rows == SAMPLES_KEPT + 5


def test_every_event_id_answers_with_its_issue_even_without_its_body(api: Harness) -> None:
    ids = [send(api) for _ in range(SAMPLES_KEPT + 3)]
    api.drain()
    early = api.ok("GET", f"/api/v1/errors/events/{ids[1]}")
    assert (early["issue"], early["stored"], early["body"]) == ("API-1", False, None)
    missing = api.get(f"/api/v1/errors/events/{uuid.uuid4().hex}")
    assert missing.status_code == 404


def test_resolved_now_regresses_on_the_next_event(api: Harness) -> None:
    send(api)
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/resolve", json={"mode": "now"})
    api.clock.advance(seconds=5)
    send(api)
    api.drain()
    issue = only_issue(api)
    assert (issue["status"], issue["substatus"]) == ("unresolved", "regressed")


def test_resolved_in_next_release_regresses_only_from_a_newer_release(api: Harness) -> None:
    send(api, release="api@1.0.0")
    api.drain()
    resolved = api.ok("POST", "/api/v1/errors/issues/API-1/resolve", json={"mode": "next_release"})
    assert (resolved["status"], resolved["resolved_in_release"]) == ("resolved", "api@1.0.0")
    api.clock.advance(seconds=5)
    send(api, release="api@1.0.0")
    send(api, release="api@0.9.0")
    api.drain()
    assert only_issue(api)["status"] == "resolved"
    send(api, release="api@1.0.1")
    api.drain()
    issue = only_issue(api)
    assert (issue["status"], issue["substatus"], issue["events"]) == ("unresolved", "regressed", 4)
    assert [r["regressed"] for r in issue["releases"] if r["release"] == "api@1.0.1"] == [True]


def test_semver_orders_releases_not_their_arrival(api: Harness) -> None:
    send(api, release="api@1.10.0")
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/resolve", json={"mode": "next_release"})
    send(api, release="api@1.9.0")  # first seen later, but older by version
    api.drain()
    assert only_issue(api)["status"] == "resolved"


def test_resolved_in_a_release_regresses_from_that_release_on(api: Harness) -> None:
    send(api, release="api@1.0.0")
    api.drain()
    api.ok(
        "POST",
        "/api/v1/errors/issues/API-1/resolve",
        json={"mode": "in_release", "release": "api@2.0.0"},
    )
    send(api, release="api@1.5.0")
    api.drain()
    assert only_issue(api)["status"] == "resolved"
    send(api, release="api@2.0.0")
    api.drain()
    assert only_issue(api)["substatus"] == "regressed"


def test_ignored_until_n_more_events(api: Harness) -> None:
    send(api)
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/ignore", json={"mode": "until_events", "count": 3})
    for _ in range(2):
        send(api)
    api.drain()
    assert only_issue(api)["status"] == "ignored"
    send(api)
    api.drain()
    assert only_issue(api)["status"] == "unresolved"


def test_ignored_until_n_more_users(api: Harness) -> None:
    send(api, user="a")
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/ignore", json={"mode": "until_users", "count": 2})
    send(api, user="a")
    send(api, user="b")
    api.drain()
    assert only_issue(api)["status"] == "ignored"
    send(api, user="c")
    api.drain()
    assert only_issue(api)["status"] == "unresolved"


def test_ignored_for_a_time(api: Harness) -> None:
    send(api)
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/ignore", json={"mode": "for_time", "minutes": 30})
    api.clock.advance(minutes=10)
    send(api)
    api.drain()
    assert only_issue(api)["status"] == "ignored"
    api.clock.advance(minutes=25)
    send(api)
    api.drain()
    assert only_issue(api)["status"] == "unresolved"


def test_ignored_forever_stays_ignored_and_counts(api: Harness) -> None:
    send(api)
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/ignore", json={"mode": "forever"})
    for _ in range(5):
        send(api)
    api.drain()
    issue = only_issue(api)
    assert (issue["status"], issue["events"]) == ("ignored", 6)


def test_a_payload_that_is_not_an_event_is_dropped_alone_and_counted(
    api: Harness, engine: Engine
) -> None:
    body = make_envelope(
        {"event_id": uuid.uuid4().hex},
        ({"type": "event"}, b"{not json"),
    )
    assert post_envelope(api, body).status_code == 200
    send(api)
    api.drain()
    assert len(issues(api)) == 1
    with session_of(engine) as session:
        outcomes = [i.outcome for i in session.scalars(select(ErrorItem).order_by(ErrorItem.id))]
        dropped = session.scalar(
            select(ProjectOutcome.quantity).where(
                ProjectOutcome.project_id == PROJECT_ID, ProjectOutcome.reason == "invalid"
            )
        )
    assert outcomes == [ItemOutcome.INVALID, ItemOutcome.ACCEPTED]
    assert dropped == 1


def test_client_reports_are_counted_per_project(api: Harness) -> None:
    assert post_envelope(api, envelope("envelope_client_report.txt")).status_code == 200
    assert post_envelope(api, envelope("envelope_client_report.txt")).status_code == 200
    api.drain()
    project = api.ok("GET", "/api/v1/projects/api")
    assert project["outcomes"] == [
        {
            "source": "client",
            "category": "error",
            "reason": "ratelimit_backoff",
            "quantity": 2,
            "last_at": project["outcomes"][0]["last_at"],
        }
    ]


def test_an_attachment_is_kept_with_its_event(api: Harness, engine: Engine) -> None:
    assert post_envelope(api, envelope("envelope_event_with_attachment.txt")).status_code == 200
    api.drain()
    with session_of(engine) as session:
        (attachment,) = session.scalars(select(Attachment))
    assert attachment.event_id == "a0b7befca4d447ebb7fd1942c4584fef"
    assert attachment.size == len(attachment.data) > 0


def spike(api: Harness, hours: int = 10, per_hour: int = 1, burst: int = 30) -> None:
    """``per_hour`` events an hour for ``hours`` hours, then ``burst`` within an hour."""
    for _ in range(hours):
        for _ in range(per_hour):
            send(api)
        api.drain()
        api.clock.advance(hours=1)
    for _ in range(burst):
        send(api)
    api.drain()


def test_an_issue_ignored_until_escalating_comes_back_when_it_spikes(api: Harness) -> None:
    send(api)
    api.drain()
    api.ok("POST", "/api/v1/errors/issues/API-1/ignore", json={"mode": "until_escalating"})
    api.clock.advance(hours=1)
    spike(api, burst=3)  # the baseline's pace: stays ignored
    assert (only_issue(api)["status"], only_issue(api)["substatus"]) == (
        "ignored",
        "until_escalating",
    )
    for _ in range(30):
        send(api)
    api.drain()
    issue = only_issue(api)
    assert (issue["status"], issue["substatus"]) == ("unresolved", "escalating")


def test_a_spike_marks_an_unresolved_issue_escalating(api: Harness) -> None:
    spike(api)
    assert only_issue(api)["substatus"] == "escalating"


def test_a_young_issue_is_new_not_escalating(api: Harness) -> None:
    for _ in range(50):
        send(api)
    api.drain()
    assert only_issue(api)["substatus"] == "new"


def test_housekeeping_drops_old_processed_items_and_minute_counts_but_no_count(
    api: Harness, engine: Engine
) -> None:
    send(api)
    api.drain()
    with session_of(engine) as session:
        prune(session, api.clock() + KEEP_ITEMS - timedelta(minutes=1))
        session.commit()
        assert session.scalar(select(func.count()).select_from(ErrorItem)) == 1
        prune(session, api.clock() + max(KEEP_ITEMS, KEEP_MINUTES) + timedelta(minutes=2))
        session.commit()
        assert session.scalar(select(func.count()).select_from(ErrorItem)) == 0
        assert session.scalar(select(func.count()).select_from(IssueMinute)) == 0
    assert only_issue(api)["events"] == 1
    assert api.ok("GET", "/api/v1/errors/issues/API-1/events")[0]["issue"] == "API-1"


def test_the_project_waiting_longest_takes_the_first_turn(api: Harness, engine: Engine) -> None:
    for project_id, key in (
        (OTHER_PROJECT_ID, OTHER_KEY),
        (PROJECT_ID, KEY),
        (OTHER_PROJECT_ID, OTHER_KEY),
    ):
        _event_id, body = error_event()
        auth = f"Sentry sentry_key={key}, sentry_version=7"
        assert post_envelope(api, body, project=project_id, auth=auth).status_code == 200
    with session_of(engine) as session:
        assert pending_projects(session, [ItemKind.EVENT]) == [OTHER_PROJECT_ID, PROJECT_ID]
