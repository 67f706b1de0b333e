"""A warroom whose notifications go to real receivers on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, SmtpSink
from warroom.db.engine import make_session_factory
from warroom.notify.models import Channel, Delivery, DeliveryStatus

PUBLIC_URL = "http://testserver"
WEBHOOK_SECRET = "s3cret-for-tests"


STRICT_RETRY = "{max_attempts: 4, first_delay: 10s, max_delay: 1m}"


def config_text(
    smtp_port: int,
    hook_url: str,
    team_hook_url: str | None = None,
    retry: str | None = STRICT_RETRY,
) -> str:
    team_hook = f'\n      - {{kind: webhook, target: "{team_hook_url}"}}' if team_hook_url else ""
    return f"""
organization: {{name: Notify Test}}
severities:
  - {{key: SEV1, name: Critical, response: always, page: true, update_every: 15m}}
  - {{key: SEV2, name: Major, response: always, page: true, update_every: 30m}}
  - {{key: SEV3, name: Minor, response: always, page: false}}
teams:
  - slug: payments
    name: Payments
    timezone: Europe/Prague
    escalation_policy: payments
    contacts:
      - {{kind: email, target: payments-team@example.com}}{team_hook}
  - slug: search
    name: Search
    timezone: UTC
people:
  - username: alice
    name: Alice Novak
    contacts: [{{kind: email, target: alice@example.com}}]
  - username: bob
    name: Bob Smith
    contacts: [{{kind: email, target: bob@example.com}}]
escalation_policies:
  - slug: payments
    name: Payments
    steps:
      - notify_users: [alice]
      - wait: 5m
      - notify_users: [bob]
notifications:
  email: {{host: 127.0.0.1, port: {smtp_port}, from_address: warroom@example.com}}
  incidents_channel: incidents@example.com
  broadcast_severities: [SEV1]
  link_valid_for: 24h
{f"  retry: {retry}" if retry else ""}
  webhooks:
    - slug: audit
      url: "{hook_url}"
      secret_env: WARROOM_TEST_HOOK_SECRET
"""


@contextmanager
def notify_app(
    engine: Engine,
    tmp_path: Path,
    smtp: SmtpSink,
    hook: HttpSink,
    *,
    team_hook: HttpSink | None = None,
    start: datetime | None = None,
    retry: str | None = STRICT_RETRY,
) -> Iterator[Harness]:
    """``retry=None`` keeps the default retry policy."""
    path = tmp_path / "warroom.yaml"
    path.write_text(config_text(smtp.port, hook.url, team_hook.url if team_hook else None, retry))
    with running_app(engine, path, FakeClock(start), public_url=PUBLIC_URL) as harness:
        yield harness


def deliveries(api: Harness, **where: Any) -> list[Delivery]:
    stmt = select(Delivery).order_by(Delivery.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Delivery, name) == value)
    with make_session_factory(api.engine)() as session:
        return list(session.scalars(stmt))


def links(text: str) -> dict[str, str]:
    """The acknowledge and resolve links of a page, as paths on the test client."""
    found = dict(re.findall(r"^(Acknowledge|Resolve):[ ]+(\S+)\r?$", text, re.MULTILINE))
    return {name.lower(): url.removeprefix(PUBLIC_URL) for name, url in found.items()}


def page_alice(app: Harness) -> None:
    app.declare(title="Card payments failing", severity="SEV2", team="payments")
    app.drain()


def alice_page_status(app: Harness) -> tuple[DeliveryStatus, int, str | None]:
    [row] = [d for d in deliveries(app, channel=Channel.EMAIL) if d.target == "alice@example.com"]
    return row.status, row.attempts, row.last_error
