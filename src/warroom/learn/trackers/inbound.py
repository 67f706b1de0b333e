"""Tracker webhooks: verify the signature of each kind, read "issue closed / reopened",
and report it for the issue warroom knows (docs/trackers.md, "Inbound webhooks").

Verification per kind: GitHub ``X-Hub-Signature-256`` and Jira Cloud ``X-Hub-Signature``
(``sha256=`` + HMAC-SHA256 of the body), GitLab ``X-Gitlab-Token`` (the secret itself),
YouTrack ``X-Warroom-Token`` (sent by the workflow in docs/trackers.md), the generic
webhook ``X-Warroom-Signature`` over ``f"{X-Warroom-Timestamp}.{body}"``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config.trackers import Tracker, TrackerKind
from warroom.learn.trackers import listener
from warroom.learn.trackers.models import IssueState, TrackerIssue
from warroom.notify.channels.http_webhook import signature as warroom_signature
from warroom.problems import InvalidInput, Unauthorized

SIGNATURE_HEADERS = {
    TrackerKind.GITHUB: "X-Hub-Signature-256",
    TrackerKind.GITLAB: "X-Gitlab-Token",
    TrackerKind.JIRA: "X-Hub-Signature",
    TrackerKind.YOUTRACK: "X-Warroom-Token",
    TrackerKind.WEBHOOK: "X-Warroom-Signature",
}
TIMESTAMP_HEADER = "X-Warroom-Timestamp"
MAX_SKEW_SECONDS = 300


@dataclass(frozen=True)
class StateEvent:
    """The tracker says the issue is now closed (or open again). It is named by
    ``external_id`` or, when the tracker only knows that (YouTrack workflows), by ``key``."""

    external_id: str | None
    closed: bool
    key: str | None = None


def verify(tracker: Tracker, body: bytes, headers: Mapping[str, str], now: datetime) -> None:
    header = SIGNATURE_HEADERS[tracker.kind]
    secret_env = tracker.webhook_secret_env
    secret = os.environ.get(secret_env) if secret_env else None
    if not secret:
        raise Unauthorized(
            f"tracker {tracker.name!r} has no webhook secret (webhook_secret_env): no "
            "request can be verified",
            field=header,
        )
    given = headers.get(header.lower(), "")
    if not given:
        raise Unauthorized(f"{header} is missing", field=header)
    key = secret.encode()
    if tracker.kind in (TrackerKind.GITHUB, TrackerKind.JIRA):
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    elif tracker.kind is TrackerKind.WEBHOOK:
        stamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        fresh = stamp.isdecimal() and stamp.isascii() and len(stamp) < 16
        if not fresh or abs(int(stamp) - now.timestamp()) > MAX_SKEW_SECONDS:
            raise Unauthorized(
                f"{TIMESTAMP_HEADER} is missing or more than 5 minutes off",
                field=TIMESTAMP_HEADER,
            )
        expected = warroom_signature(key, int(stamp), body)
    else:
        expected = secret
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(f"{header} does not match", field=header)


def parse(tracker: Tracker, body: bytes, headers: Mapping[str, str]) -> StateEvent | None:
    """The state change the payload reports, or None for any other event."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is not JSON", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    readers = {
        TrackerKind.GITHUB: _github,
        TrackerKind.GITLAB: _gitlab,
        TrackerKind.JIRA: _jira,
        TrackerKind.YOUTRACK: _youtrack,
        TrackerKind.WEBHOOK: _webhook,
    }
    return readers[tracker.kind](data, headers)


def _get(data: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _github(data: dict[str, Any], headers: Mapping[str, str]) -> StateEvent | None:
    if headers.get("x-github-event") != "issues":
        return None
    action = data.get("action")
    number = _get(data, "issue", "number")
    if action not in ("closed", "reopened") or number is None:
        return None
    return StateEvent(str(number), action == "closed")


def _gitlab(data: dict[str, Any], headers: Mapping[str, str]) -> StateEvent | None:
    if data.get("object_kind") != "issue":
        return None
    action = _get(data, "object_attributes", "action")
    iid = _get(data, "object_attributes", "iid")
    if action not in ("close", "reopen") or iid is None:
        return None
    return StateEvent(str(iid), action == "close")


def _jira(data: dict[str, Any], headers: Mapping[str, str]) -> StateEvent | None:
    if data.get("webhookEvent") != "jira:issue_updated":
        return None
    items = _get(data, "changelog", "items") or []
    if not any(isinstance(item, dict) and item.get("field") == "status" for item in items):
        return None
    issue_id = _get(data, "issue", "id")
    category = _get(data, "issue", "fields", "status", "statusCategory", "key")
    if issue_id is None or not isinstance(category, str):
        return None
    return StateEvent(str(issue_id), category == "done")


def _youtrack(data: dict[str, Any], headers: Mapping[str, str]) -> StateEvent | None:
    """The workflow's ``{"issue": {"idReadable"}, "resolved"}`` (a workflow's ``issue.id``
    is the readable one, ``OPS-12``); a REST ``issue.id`` (``2-15``) is taken too."""
    issue_id = _get(data, "issue", "id")
    readable = _get(data, "issue", "idReadable")
    resolved = data.get("resolved")
    if (issue_id is None and readable is None) or not isinstance(resolved, bool):
        return None
    return StateEvent(
        str(issue_id) if issue_id is not None else None,
        resolved,
        str(readable) if readable is not None else None,
    )


def _webhook(data: dict[str, Any], headers: Mapping[str, str]) -> StateEvent | None:
    event = data.get("event")
    external_id = data.get("id")
    if event not in ("issue.closed", "issue.reopened") or external_id in (None, ""):
        return None
    return StateEvent(str(external_id), event == "issue.closed")


def apply(session: Session, tracker: Tracker, event: StateEvent, now: datetime) -> bool:
    """Record the state and tell the listener; False when warroom does not know the issue.

    The listener hears every report, the echo of warroom's own write included: it must
    be idempotent (completing a completed item does nothing)."""
    named = (
        TrackerIssue.external_id == event.external_id
        if event.external_id is not None
        else TrackerIssue.key == event.key
    )
    issue = session.scalar(
        select(TrackerIssue).where(TrackerIssue.tracker == tracker.name, named).with_for_update()
    )
    if issue is None:
        return False
    issue.state = IssueState.CLOSED if event.closed else IssueState.OPEN
    issue.updated_at = now
    listener.state_changed(
        session,
        subject_kind=issue.subject_kind,
        subject_id=issue.subject_id,
        closed=event.closed,
        tracker=tracker.name,
        now=now,
    )
    return True
