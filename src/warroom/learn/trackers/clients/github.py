"""GitHub Issues (REST): ``POST /repos/{owner}/{repo}/issues``, then ``PATCH`` the issue
number with title, body, labels, assignees and ``state`` open/closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.config.trackers import Tracker
from warroom.learn.trackers.clients import HttpClient, IssueRef, answer_field, body_with_link
from warroom.learn.trackers.clients import secret_of as secret
from warroom.learn.trackers.enqueue import TrackerSubject


class GitHubClient(HttpClient):
    def headers(self, tracker: Tracker) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {secret(tracker.token_env, 'the GitHub token')}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def fields(self, tracker: Tracker, subject: TrackerSubject) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "title": subject.title,
            "body": body_with_link(subject),
            "labels": [*tracker.labels, *subject.labels],
        }
        if subject.assignee:
            fields["assignees"] = [subject.assignee]
        return fields

    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        response = self.request(
            "POST",
            f"{tracker.url.rstrip('/')}/repos/{tracker.project}/issues",
            now=now,
            headers=self.headers(tracker),
            json=self.fields(tracker, subject),
        )
        number = str(answer_field(response, "number"))
        ref = IssueRef(number, f"#{number}", str(answer_field(response, "html_url")))
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
        fields["state"] = "closed" if subject.closed else "open"
        self.request(
            "PATCH",
            f"{tracker.url.rstrip('/')}/repos/{tracker.project}/issues/{ref.external_id}",
            now=now,
            headers=self.headers(tracker),
            json=fields,
        )
