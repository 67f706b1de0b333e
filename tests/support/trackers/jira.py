"""Jira Cloud REST v3, as documented: ``POST /rest/api/3/issue`` (201 ``{id, key, self}``;
``fields.project``, ``summary``, ``issuetype`` required, ``description`` in Atlassian
Document Format), ``PUT /rest/api/3/issue/{id}`` (204), ``GET``/``POST
/rest/api/3/issue/{id}/transitions`` (200 / 204), basic auth email:API token (401), 400
``{"errorMessages": [], "errors": {field: message}}``; and the ``jira:issue_updated``
webhook with a status changelog, signed ``X-Hub-Signature: sha256=<hex>``. No live Jira
Cloud site was reachable: this follows Atlassian's REST and webhook documentation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from typing import Any

from tests.support.trackers.server import Answer, Call, ContractServer

EMAIL = "bot@acme.example"
TOKEN = "ATATT3xFfGF0-test"
PROJECT = "OPS"
ISSUE = re.compile(r"^/rest/api/3/issue(?:/([^/]+))?(/transitions)?$")


def _transition(transition_id: str, name: str, status_id: str, category: str) -> dict[str, Any]:
    return {
        "id": transition_id,
        "name": name,
        "to": {"id": status_id, "name": name, "statusCategory": {"key": category}},
    }


TRANSITIONS = [
    _transition("11", "To Do", "10000", "new"),
    _transition("21", "In Progress", "3", "indeterminate"),
    _transition("31", "Done", "10001", "done"),
]


class JiraServer(ContractServer):
    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(10001)

    def authorized(self, call: Call) -> bool:
        basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        return call.headers.get("authorization") == f"Basic {basic}"

    def unauthorized(self) -> Answer:
        return Answer(401, {"errorMessages": ["You are not authenticated."], "errors": {}})

    def find(self, ref: str) -> dict[str, Any] | None:
        return next((i for i in self.issues.values() if ref in (i["id"], i["key"])), None)

    def route(self, call: Call) -> Answer:
        match = ISSUE.match(call.path)
        if match is None:
            return Answer(404, {"errorMessages": ["Not found"], "errors": {}})
        ref, transitions = match.group(1), match.group(2)
        body = call.body if isinstance(call.body, dict) else {}
        if ref is None and call.method == "POST":
            return self.create(body.get("fields") or {})
        issue = self.find(ref or "")
        if issue is None:
            return Answer(
                404,
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                },
            )
        if transitions and call.method == "GET":
            return Answer(200, {"expand": "transitions", "transitions": TRANSITIONS})
        if transitions and call.method == "POST":
            wanted = (body.get("transition") or {}).get("id")
            target = next((t for t in TRANSITIONS if t["id"] == wanted), None)
            if target is None:
                return Answer(400, {"errorMessages": ["Transition id is not valid."], "errors": {}})
            issue["fields"]["status"] = target["to"]
            return Answer(204)
        if call.method == "PUT":
            fields = body.get("fields") or {}
            if "summary" in fields and not fields["summary"]:
                return Answer(
                    400, {"errorMessages": [], "errors": {"summary": "You must specify a summary."}}
                )
            issue["fields"].update(fields)
            return Answer(204)
        return Answer(405, {"errorMessages": ["Method not allowed"], "errors": {}})

    def create(self, fields: dict[str, Any]) -> Answer:
        errors = {}
        if (fields.get("project") or {}).get("key") != PROJECT:
            errors["project"] = "valid project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        description = fields.get("description")
        if description is not None and (
            not isinstance(description, dict) or description.get("type") != "doc"
        ):
            errors["description"] = "Operation value must be an Atlassian Document."
        if errors:
            return Answer(400, {"errorMessages": [], "errors": errors})
        issue_id = str(next(self._ids))
        key = f"{PROJECT}-{int(issue_id) - 10000}"
        stored = dict(fields)
        stored["status"] = TRANSITIONS[0]["to"]
        self.issues[issue_id] = {"id": issue_id, "key": key, "fields": stored}
        return Answer(
            201,
            {
                "id": issue_id,
                "key": key,
                "self": f"https://acme.atlassian.net/rest/api/3/issue/{issue_id}",
            },
        )

    def category(self, issue_id: str) -> str:
        return str(self.issues[issue_id]["fields"]["status"]["statusCategory"]["key"])

    def webhook(self, issue_id: str, done: bool, secret: str) -> tuple[dict[str, str], bytes]:
        """``jira:issue_updated`` after a status change, as a secret-signed admin webhook."""
        status = TRANSITIONS[2 if done else 0]["to"]
        issue = self.issues.get(issue_id) or {"id": issue_id, "key": "OPS-0", "fields": {}}
        body = json.dumps(
            {
                "timestamp": 1733300000000,
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": "issue_generic",
                "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia"},
                "issue": {
                    "id": issue_id,
                    "key": issue["key"],
                    "fields": {"summary": issue["fields"].get("summary"), "status": status},
                },
                "changelog": {
                    "id": "10010",
                    "items": [
                        {
                            "field": "status",
                            "fieldtype": "jira",
                            "fromString": "To Do" if done else "Done",
                            "toString": status["name"],
                        }
                    ],
                },
            }
        ).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"}, body
