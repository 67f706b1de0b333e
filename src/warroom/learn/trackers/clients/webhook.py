"""A generic webhook: each sync is a JSON POST of the subject, signed like warroom's
outgoing webhooks (``X-Warroom-Timestamp``, ``X-Warroom-Signature: sha256=<hex>`` over
``f"{timestamp}.{body}"``). The receiver may answer ``{"id", "key", "url"}`` to name its
issue; otherwise the issue is ``<kind>-<id>``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from warroom.config.trackers import Tracker
from warroom.learn.trackers.clients import HttpClient, IssueRef
from warroom.learn.trackers.clients import secret_of as secret
from warroom.learn.trackers.enqueue import TrackerSubject
from warroom.notify.channels.http_webhook import signature


class WebhookClient(HttpClient):
    def post(
        self, tracker: Tracker, subject: TrackerSubject, event: str, now: datetime
    ) -> dict[str, Any]:
        body = {"event": event, "tracker": tracker.name, "subject": subject.to_payload()}
        raw = orjson.dumps(body)
        timestamp = int(now.timestamp())
        key = secret(tracker.webhook_secret_env, "the webhook secret").encode()
        headers = {
            "Content-Type": "application/json",
            "X-Warroom-Timestamp": str(timestamp),
            "X-Warroom-Signature": signature(key, timestamp, raw),
        }
        response = self.request("POST", tracker.url, now=now, headers=headers, content=raw)
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        data = self.post(tracker, subject, "issue.create", now)
        external = str(data.get("id") or f"{subject.kind.value}-{subject.id}")
        return IssueRef(external, str(data.get("key") or external), str(data.get("url") or ""))

    def update(
        self,
        tracker: Tracker,
        ref: IssueRef,
        subject: TrackerSubject,
        was_closed: bool,
        now: datetime,
    ) -> None:
        self.post(tracker, subject, "issue.update", now)
