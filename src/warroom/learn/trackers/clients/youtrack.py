"""YouTrack REST: ``POST /api/issues`` with the project id, ``POST /api/issues/{id}`` for
summary and description, and the state through the commands API (``POST /api/commands``
with ``State <name>``; the names are the tracker's ``closed_state`` / ``open_state``)."""

from __future__ import annotations

from datetime import datetime

from warroom.config.trackers import Tracker
from warroom.learn.trackers.clients import HttpClient, IssueRef, answer_field, body_with_link
from warroom.learn.trackers.clients import secret_of as secret
from warroom.learn.trackers.enqueue import TrackerSubject

FIELDS = {"fields": "id,idReadable"}


class YouTrackClient(HttpClient):
    def headers(self, tracker: Tracker) -> dict[str, str]:
        token = secret(tracker.token_env, "the YouTrack token")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def base(self, tracker: Tracker) -> str:
        return tracker.url.rstrip("/")

    def create(self, tracker: Tracker, subject: TrackerSubject, now: datetime) -> IssueRef:
        response = self.request(
            "POST",
            f"{self.base(tracker)}/api/issues",
            now=now,
            headers=self.headers(tracker),
            params=FIELDS,
            json={
                "project": {"id": tracker.project},
                "summary": subject.title,
                "description": body_with_link(subject),
            },
        )
        readable = str(answer_field(response, "idReadable"))
        ref = IssueRef(
            str(answer_field(response, "id")), readable, f"{self.base(tracker)}/issue/{readable}"
        )
        if subject.closed:
            self.command(tracker, ref, f"State {tracker.closed_state}", now)
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
            "POST",
            f"{self.base(tracker)}/api/issues/{ref.external_id}",
            now=now,
            headers=self.headers(tracker),
            params=FIELDS,
            json={"summary": subject.title, "description": body_with_link(subject)},
        )
        if subject.closed != was_closed:
            state = tracker.closed_state if subject.closed else tracker.open_state
            self.command(tracker, ref, f"State {state}", now)

    def command(self, tracker: Tracker, ref: IssueRef, query: str, now: datetime) -> None:
        self.request(
            "POST",
            f"{self.base(tracker)}/api/commands",
            now=now,
            headers=self.headers(tracker),
            json={"query": query, "issues": [{"id": ref.external_id}]},
        )
