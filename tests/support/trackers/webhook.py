"""A receiver of warroom's generic tracker webhook: checks ``X-Warroom-Signature`` over
``f"{X-Warroom-Timestamp}.{body}"`` (401 otherwise), keeps the subjects it got, answers
``{"id", "key", "url"}``; and signs the ``issue.closed`` / ``issue.reopened`` events it
sends back the same way."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tests.support.trackers.server import Answer, Call, ContractServer


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookReceiver(ContractServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def authorized(self, call: Call) -> bool:
        stamp = call.headers.get("x-warroom-timestamp", "")
        given = call.headers.get("x-warroom-signature", "")
        return stamp.isdigit() and hmac.compare_digest(
            given, sign(self.secret, int(stamp), call.raw)
        )

    def unauthorized(self) -> Answer:
        return Answer(401, {"error": "bad signature"})

    def route(self, call: Call) -> Answer:
        body: dict[str, Any] = call.body
        subject = body["subject"]
        issue_id = f"WH-{subject['kind']}-{subject['id']}"
        self.issues[issue_id] = {"event": body["event"], **subject}
        return Answer(
            200, {"id": issue_id, "key": issue_id, "url": f"https://hooks.example/{issue_id}"}
        )

    def webhook(self, issue_id: str, closed: bool, timestamp: int) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {"event": "issue.closed" if closed else "issue.reopened", "id": issue_id}
        ).encode()
        return {
            "X-Warroom-Timestamp": str(timestamp),
            "X-Warroom-Signature": sign(self.secret, timestamp, body),
            "Content-Type": "application/json",
        }, body
