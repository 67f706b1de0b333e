"""Jira Cloud REST v3: ``POST /rest/api/3/issue`` (description in Atlassian Document
Format), ``PUT /rest/api/3/issue/{id}`` for the fields, and the state through transitions:
``GET .../transitions``, then ``POST`` the one whose target status category is ``done``
(close) or ``new`` (reopen)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from warroom.config.trackers import Tracker
from warroom.learn.trackers.clients import HttpClient, IssueRef, answer_field, body_with_link
from warroom.learn.trackers.clients import secret_of as secret
from warroom.learn.trackers.enqueue import TrackerSubject
from warroom.notify.channels import DeliveryFailed

DONE = "done"
TO_DO = "new"


def adf(text: str) -> dict[str, Any]:
    """Markdown kept as plain paragraphs: Jira renders ADF, not Markdown."""
    paragraphs = [part for part in text.split("\n\n") if part.strip()]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": part}]}
            for part in paragraphs
        ],
    }


class JiraClient(HttpClient):
    def headers(self, tracker: Tracker) -> dict[str, str]:
        token = secret(tracker.token_env, "the Jira API token")
        basic = base64.b64encode(f"{tracker.email}:{token}".encode()).decode()
        return {"Authorization": f"Basic {basic}", "Accept": "application/json"}

    def api(self, tracker: Tracker) -> str:
        return f"{tracker.url.rstrip('/')}/rest/api/3/issue"

    def fields(self, tracker: Tracker, subject: TrackerSubject) -> dict[str, Any]:
        return {
            "summary": subject.title,
            "description": adf(body_with_link(subject)),
            "labels": [label.replace(" ", "-") for label in [*tracker.labels, *subject.labels]],
            "duedate": subject.due.isoformat() if subject.due else None,
        }

    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        fields = self.fields(tracker, subject)
        fields["project"] = {"key": tracker.project}
        fields["issuetype"] = {"name": tracker.issue_type}
        response = self.request(
            "POST",
            self.api(tracker),
            now=now,
            headers=self.headers(tracker),
            json={"fields": fields},
        )
        key = str(answer_field(response, "key"))
        ref = IssueRef(
            str(answer_field(response, "id")), key, f"{tracker.url.rstrip('/')}/browse/{key}"
        )
        if subject.closed:
            self.transition(tracker, ref, DONE, now)
        return ref

    def update(
        self,
        tracker: Tracker,
        ref: IssueRef,
        subject: TrackerSubject,
        was_closed: bool,
        now: datetime,
    ) -> None:
        self.request(
            "PUT",
            f"{self.api(tracker)}/{ref.external_id}",
            now=now,
            headers=self.headers(tracker),
            json={"fields": self.fields(tracker, subject)},
        )
        if subject.closed != was_closed:
            self.transition(tracker, ref, DONE if subject.closed else TO_DO, now)

    def transition(self, tracker: Tracker, ref: IssueRef, category: str, now: datetime) -> None:
        url = f"{self.api(tracker)}/{ref.external_id}/transitions"
        response = self.request("GET", url, now=now, headers=self.headers(tracker))
        transitions = response.json().get("transitions", [])
        for transition in transitions:
            target = transition.get("to", {}).get("statusCategory", {}).get("key")
            if target == category:
                self.request(
                    "POST",
                    url,
                    now=now,
                    headers=self.headers(tracker),
                    json={"transition": {"id": str(transition["id"])}},
                )
                return
        raise DeliveryFailed(
            f"Jira issue {ref.key} has no transition to a {category!r} status",
            retryable=False,
        )
