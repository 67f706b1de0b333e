"""GitLab Issues API v4: ``POST /api/v4/projects/:id/issues``, then ``PUT`` the issue's
``iid`` with title, description, labels, due date and ``state_event`` close/reopen."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from warroom.config.trackers import Tracker
from warroom.learn.trackers.clients import HttpClient, IssueRef, answer_field, body_with_link
from warroom.learn.trackers.clients import secret_of as secret
from warroom.learn.trackers.enqueue import TrackerSubject


class GitLabClient(HttpClient):
    def headers(self, tracker: Tracker) -> dict[str, str]:
        return {"PRIVATE-TOKEN": secret(tracker.token_env, "the GitLab token")}

    def base(self, tracker: Tracker) -> str:
        project = quote(str(tracker.project), safe="")
        return f"{tracker.url.rstrip('/')}/api/v4/projects/{project}/issues"

    def fields(self, tracker: Tracker, subject: TrackerSubject) -> dict[str, Any]:
        return {
            "title": subject.title,
            "description": body_with_link(subject),
            "labels": ",".join([*tracker.labels, *subject.labels]),
            "due_date": subject.due.isoformat() if subject.due else None,
        }

    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        response = self.request(
            "POST",
            self.base(tracker),
            now=now,
            headers=self.headers(tracker),
            json=self.fields(tracker, subject),
        )
        iid = str(answer_field(response, "iid"))
        ref = IssueRef(iid, f"#{iid}", str(answer_field(response, "web_url")))
        if subject.closed:
            self.update(tracker, ref, subject, False, now)
        return ref

    def update(
        self,
        tracker: Tracker,
        ref: IssueRef,
        subject: TrackerSubject,
        was_closed: bool,
        now: datetime,
    ) -> None:
        fields = self.fields(tracker, subject)
        fields["state_event"] = "close" if subject.closed else "reopen"
        self.request(
            "PUT",
            f"{self.base(tracker)}/{ref.external_id}",
            now=now,
            headers=self.headers(tracker),
            json=fields,
        )
