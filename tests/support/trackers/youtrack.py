"""YouTrack REST, as documented: ``POST /api/issues?fields=id,idReadable`` (200, project
by ``{"id"}``, ``summary`` required), ``POST /api/issues/{id}`` (200) and the commands API
``POST /api/commands`` (``{"query", "issues": [{"id"}]}``), ``Authorization: Bearer perm:..``
(401 ``{"error": "Unauthorized", ...}``), 400 ``{"error", "error_description"}``. YouTrack
has no signed webhooks: the state change arrives from the workflow of docs/trackers.md
with ``X-Warroom-Token``. No live YouTrack was reachable: this follows JetBrains' docs."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from tests.support.trackers.server import Answer, Call, ContractServer

TOKEN = "perm:dGVzdA==.NDItMQ==.test"
PROJECT = "0-1"
ISSUE = re.compile(r"^/api/issues(?:/([^/]+))?$")
STATES = {"Open": False, "In Progress": False, "Fixed": True, "Won't fix": True}


class YouTrackServer(ContractServer):
    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)

    def authorized(self, call: Call) -> bool:
        return call.headers.get("authorization") == f"Bearer {TOKEN}"

    def unauthorized(self) -> Answer:
        return Answer(401, {"error": "Unauthorized", "error_description": "You are not logged in."})

    def bad(self, text: str) -> Answer:
        return Answer(400, {"error": "bad_request", "error_description": text})

    def route(self, call: Call) -> Answer:
        body = call.body if isinstance(call.body, dict) else {}
        if call.path == "/api/commands" and call.method == "POST":
            return self.command(body)
        match = ISSUE.match(call.path)
        if match is None or call.method != "POST":
            return Answer(404, {"error": "Not Found", "error_description": call.path})
        issue_id = match.group(1)
        if issue_id is None:
            if (body.get("project") or {}).get("id") != PROJECT:
                return self.bad("Project is required")
            if not body.get("summary"):
                return self.bad("Summary is required")
            number = next(self._ids)
            issue: dict[str, Any] = {
                "id": f"2-{number}",
                "idReadable": f"OPS-{number}",
                "summary": body["summary"],
                "description": body.get("description"),
                "state": "Open",
                "$type": "Issue",
            }
            self.issues[issue["id"]] = issue
            return Answer(200, self.fields(issue, call.query))
        found = self.issues.get(issue_id)
        if found is None:
            return Answer(404, {"error": "Not Found", "error_description": "Entity not found"})
        for name in ("summary", "description"):
            if name in body:
                found[name] = body[name]
        return Answer(200, self.fields(found, call.query))

    def fields(self, issue: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        wanted = query.get("fields", "id").split(",")
        return {"$type": "Issue", **{name: issue.get(name) for name in wanted}}

    def command(self, body: dict[str, Any]) -> Answer:
        query = str(body.get("query", ""))
        if not query.startswith("State ") or query[6:] not in STATES:
            return self.bad(f"Unknown command: {query}")
        targets = [self.issues.get(str(i.get("id"))) for i in body.get("issues") or []]
        if not targets or any(t is None for t in targets):
            return self.bad("issues must name existing issues")
        for target in targets:
            assert target is not None
            target["state"] = query[6:]
        return Answer(200, {"query": query, "$type": "CommandList"})

    def webhook(self, issue_id: str, resolved: bool, token: str) -> tuple[dict[str, str], bytes]:
        """What the workflow of docs/trackers.md posts when the issue becomes resolved or
        unresolved: the readable id only (a workflow's ``issue.id``)."""
        issue = self.issues.get(issue_id) or {"id": issue_id, "idReadable": "OPS-0"}
        body = json.dumps(
            {
                "issue": {"idReadable": issue["idReadable"]},
                "state": "Fixed" if resolved else "Open",
                "resolved": resolved,
            }
        ).encode()
        return {"X-Warroom-Token": token, "Content-Type": "application/json"}, body
