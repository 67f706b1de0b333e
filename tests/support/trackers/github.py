"""GitHub Issues REST, as documented: ``POST /repos/{owner}/{repo}/issues`` (201),
``PATCH /repos/{owner}/{repo}/issues/{number}`` (200), ``Authorization: Bearer <token>``
(401 ``Bad credentials``), 422 ``Validation Failed`` with ``errors[]``, 404 ``Not Found``;
and the ``issues`` webhook (``closed`` / ``reopened``) signed with ``X-Hub-Signature-256``.
No live GitHub was reachable: this follows GitHub's REST and webhook documentation."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from typing import Any

from tests.support.trackers.server import Answer, Call, ContractServer

TOKEN = "ghp_test0000000000000000000000000000000"
REPO = "acme/ops"
DOCS = "https://docs.github.com/rest/issues/issues"
ISSUES = re.compile(r"^/repos/([^/]+/[^/]+)/issues(?:/(\d+))?$")


class GitHubServer(ContractServer):
    def __init__(self) -> None:
        super().__init__()
        self._numbers = itertools.count(1)

    def authorized(self, call: Call) -> bool:
        return call.headers.get("authorization") in (f"Bearer {TOKEN}", f"token {TOKEN}")

    def unauthorized(self) -> Answer:
        return Answer(401, {"message": "Bad credentials", "documentation_url": DOCS})

    def route(self, call: Call) -> Answer:
        match = ISSUES.match(call.path)
        if match is None or match.group(1) != REPO:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        number = match.group(2)
        body = call.body if isinstance(call.body, dict) else {}
        if call.method == "POST" and number is None:
            if not body.get("title"):
                return self.invalid("title", "missing_field")
            number = str(next(self._numbers))
            issue = {
                "id": 1000 + int(number),
                "number": int(number),
                "html_url": f"https://github.com/{REPO}/issues/{number}",
                "url": f"https://api.github.com/repos/{REPO}/issues/{number}",
                "state": "open",
                "title": "",
                "body": None,
                "labels": [],
                "assignees": [],
            }
            self.issues[number] = issue
            self.apply(issue, body)
            return Answer(201, issue)
        if call.method == "PATCH" and number is not None:
            issue = self.issues.get(number)
            if issue is None:
                return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
            if "state" in body and body["state"] not in ("open", "closed"):
                return self.invalid("state", "invalid")
            self.apply(issue, body)
            return Answer(200, issue)
        return Answer(404, {"message": "Not Found", "documentation_url": DOCS})

    def apply(self, issue: dict[str, Any], body: dict[str, Any]) -> None:
        for name in ("title", "body", "state"):
            if name in body:
                issue[name] = body[name]
        if "labels" in body:
            issue["labels"] = [{"name": name} for name in body["labels"]]
        if "assignees" in body:
            issue["assignees"] = [{"login": login} for login in body["assignees"]]

    def invalid(self, field: str, code: str) -> Answer:
        return Answer(
            422,
            {
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "code": code, "field": field}],
                "documentation_url": DOCS,
            },
        )

    def webhook(self, number: int, action: str, secret: str) -> tuple[dict[str, str], bytes]:
        """The ``issues`` event as GitHub sends it: headers and the signed body."""
        issue = dict(self.issues.get(str(number)) or {"number": number, "title": "?"})
        issue["state"] = "closed" if action == "closed" else "open"
        body = json.dumps(
            {
                "action": action,
                "issue": issue,
                "repository": {"id": 1, "full_name": REPO, "name": "ops"},
                "sender": {"login": "octocat", "id": 1, "type": "User"},
            }
        ).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-Hub-Signature-256": f"sha256={digest}",
            "Content-Type": "application/json",
        }, body
