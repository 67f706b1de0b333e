"""A warroom wired to a local Slack Web API, and signed Slack requests built like Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, select

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.slack_api import SlackWorkspace, slack_api
from warroom.db.engine import make_session_factory
from warroom.incidents.models import Incident, TimelineEntry
from warroom.notify.models import Channel, Delivery, DeliveryStatus, IncidentChannel

TOKEN_ENV = "WARROOM_TEST_SLACK_TOKEN"
SECRET_ENV = "WARROOM_TEST_SLACK_SECRET"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ALICE, BOB, CAROL, STRANGER = "U0ALICE01", "U0BOB0002", "U0CAROL03", "U0STRANGE"

CONFIG = """
organization: {name: Slack Test}
severities:
  - {key: SEV1, name: Critical, response: always, page: true, update_every: 15m}
  - {key: SEV2, name: Major, response: always, page: true, update_every: 30m}
  - {key: SEV3, name: Minor, response: always, page: true}
  - {key: SEV4, name: Low, response: none, page: false}
incident_defaults: {severity: SEV3, triage_team: payments}
teams:
  - slug: payments
    name: Payments
    timezone: Europe/Prague
    escalation_policy: payments
    contacts: [{kind: slack_channel, target: "#payments"}]
  - slug: checkout
    name: Checkout
    timezone: America/New_York
people:
  - username: alice
    name: Alice Novak
    contacts:
      - {kind: email, target: alice@example.com}
      - {kind: slack, target: U0ALICE01}
    notification_rules: [{contact: slack}]
  - username: bob
    name: Bob Smith
    contacts: [{kind: slack, target: U0BOB0002}]
  - username: carol
    name: Carol Lead
    contacts: [{kind: slack, target: U0CAROL03}]
  - username: dave
    name: Dave Nocontact
escalation_policies:
  - slug: payments
    name: Payments
    steps:
      - notify_users: [alice]
      - wait: 5m
      - notify_users: [bob]
notifications:
  slack:
    bot_token_env: WARROOM_TEST_SLACK_TOKEN
    signing_secret_env: WARROOM_TEST_SLACK_SECRET
    api_url: "%(api_url)s"
"""


@dataclass
class SlackApp:
    api: Harness
    slack: SlackWorkspace

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        stamp = int(self.api.clock().timestamp()) if timestamp is None else timestamp
        mac = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        return {
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": f"v0={mac.hexdigest()}",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def command(self, text: str, user: str = ALICE, channel: str = "C0GENERAL") -> Any:
        """POST /slack/commands as Slack sends ``/warroom <text>``."""
        body = urlencode(
            {
                "token": "gIkuvaNzQIHg97ATvDxqgjtO",
                "team_id": "T0001",
                "team_domain": "example",
                "channel_id": channel,
                "channel_name": "payments" if channel == "C0PAYMENT" else "general",
                "user_id": user,
                "user_name": "someone",
                "command": "/warroom",
                "text": text,
                "response_url": "https://hooks.example.com/commands/1234/5678",
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            }
        )
        return self.api.client.post("/slack/commands", content=body, headers=self.sign(body))

    def click(self, action_id: str, incident_id: int, user: str = ALICE) -> Any:
        """POST /slack/interactions as Slack sends a block_actions button click."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "team_id": "T0001"},
            "team": {"id": "T0001", "domain": "example"},
            "channel": {"id": "C0PAYMENT", "name": "payments"},
            "response_url": "https://hooks.example.com/actions/T0001/1/2",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": str(incident_id),
                    "action_ts": "1548426417.840180",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.api.client.post("/slack/interactions", content=body, headers=self.sign(body))

    def run(self) -> None:
        """Run the worker (jobs, then the outbox with its Slack sender) until it is idle."""
        self.api.drain()

    def rows(self, stmt: Any) -> list[Any]:
        with make_session_factory(self.api.engine)() as session:
            return list(session.scalars(stmt))

    def incident(self, number: int) -> Incident:
        return self.rows(select(Incident).where(Incident.number == number))[0]  # type: ignore[no-any-return]

    def timeline(self, number: int, *kinds: str) -> list[TimelineEntry]:
        incident = self.incident(number)
        stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
        found = self.rows(stmt.order_by(TimelineEntry.id))
        return [e for e in found if not kinds or e.kind.value in kinds]

    def deliveries(self, status: DeliveryStatus | None = None) -> list[Delivery]:
        stmt = select(Delivery).where(Delivery.channel == Channel.SLACK).order_by(Delivery.id)
        found = self.rows(stmt)
        return [d for d in found if status is None or d.status is status]

    def channels(self) -> list[IncidentChannel]:
        return self.rows(select(IncidentChannel).order_by(IncidentChannel.id))


@contextmanager
def slack_app(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str = CONFIG
) -> Iterator[SlackApp]:
    with slack_api() as (workspace, api_url):
        workspace.users.update({ALICE, BOB, CAROL})
        workspace.add_channel("payments")
        monkeypatch.setenv(TOKEN_ENV, workspace.token)
        monkeypatch.setenv(SECRET_ENV, SIGNING_SECRET)
        path = tmp_path / "warroom.yaml"
        path.write_text(config % {"api_url": api_url})
        with running_app(engine, path, FakeClock()) as api:
            yield SlackApp(api, workspace)
