"""GitLab Issues API v4, as documented: ``POST /api/v4/projects/:id/issues`` (201) and
``PUT /api/v4/projects/:id/issues/:issue_iid`` (200, ``state_event`` close/reopen), the
``PRIVATE-TOKEN`` header (401 ``{"message": "401 Unauthorized"}``), 400 ``{"message":
{"title": ["can't be blank"]}}``, 404 ``{"message": "404 Not found"}``; and the Issue Hook
(``object_attributes.action`` close/reopen) with ``X-Gitlab-Token``. No live GitLab was
reachable: this follows GitLab's API and webhook documentation."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import unquote

from tests.support.trackers.server import Answer, Call, ContractServer

TOKEN = "glpat-test00000000000000"
PROJECT = "acme/ops"
ISSUES = re.compile(r"^/api/v4/projects/([^/]+)/issues(?:/(\d+))?$")


class GitLabServer(ContractServer):
    def __init__(self) -> None:
        super().__init__()
        self._iids = itertools.count(1)

    def authorized(self, call: Call) -> bool:
        return call.headers.get("private-token") == TOKEN

    def unauthorized(self) -> Answer:
        return Answer(401, {"message": "401 Unauthorized"})

    def route(self, call: Call) -> Answer:
        match = ISSUES.match(call.path)
        if match is None or unquote(match.group(1)) != PROJECT:
            return Answer(404, {"message": "404 Project Not Found"})
        iid = match.group(2)
        body = call.body if isinstance(call.body, dict) else {}
        if call.method == "POST" and iid is None:
            if not body.get("title"):
                return Answer(400, {"message": {"title": ["can't be blank"]}})
            iid = str(next(self._iids))
            issue: dict[str, Any] = {
                "id": 500 + int(iid),
                "iid": int(iid),
                "project_id": 42,
                "state": "opened",
                "web_url": f"https://gitlab.example.com/{PROJECT}/-/issues/{iid}",
            }
            self.issues[iid] = issue
            self.apply(issue, body)
            return Answer(201, issue)
        if call.method == "PUT" and iid is not None:
            found = self.issues.get(iid)
            if found is None:
                return Answer(404, {"message": "404 Not found"})
            event = body.get("state_event")
            if event not in (None, "close", "reopen"):
                return Answer(400, {"error": "state_event does not have a valid value"})
            self.apply(found, body)
            return Answer(200, found)
        return Answer(404, {"message": "404 Not found"})

    def apply(self, issue: dict[str, Any], body: dict[str, Any]) -> None:
        for name in ("title", "description", "due_date"):
            if name in body:
                issue[name] = body[name]
        if "labels" in body:
            issue["labels"] = [label for label in str(body["labels"]).split(",") if label]
        if body.get("state_event") == "close":
            issue["state"] = "closed"
        elif body.get("state_event") == "reopen":
            issue["state"] = "opened"

    def webhook(self, iid: int, action: str, token: str) -> tuple[dict[str, str], bytes]:
        """The Issue Hook as GitLab sends it (``action``: close or reopen)."""
        issue = self.issues.get(str(iid)) or {"id": 1, "iid": iid}
        body = json.dumps(
            {
                "object_kind": "issue",
                "event_type": "issue",
                "user": {"id": 1, "name": "Administrator", "username": "root"},
                "project": {"id": 42, "path_with_namespace": PROJECT},
                "object_attributes": {
                    "id": issue["id"],
                    "iid": iid,
                    "title": issue.get("title", ""),
                    "state": "closed" if action == "close" else "opened",
                    "action": action,
                },
            }
        ).encode()
        return {
            "X-Gitlab-Event": "Issue Hook",
            "X-Gitlab-Token": token,
            "Content-Type": "application/json",
        }, body
