"""A warroom with people, schedules and escalation policies, and readers of what it paged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from warroom.db.engine import make_session_factory
from warroom.escalation.models import Escalation, Page
from warroom.incidents.models import Incident, TimelineEntry
from warroom.jobs.models import Job
from warroom.notify.models import Delivery

CONFIG = """
organization: {name: Escalation Test}
severities:
  - {key: SEV1, name: Critical, response: always, page: true, update_every: 15m}
  - {key: SEV2, name: Major, response: extended_hours, page: true, update_every: 30m}
  - {key: SEV3, name: Minor, response: working_hours, page: true}
  - {key: SEV4, name: Low, response: none, page: false}
teams:
  - slug: payments
    name: Payments
    timezone: Europe/Prague
    escalation_policy: payments
    contacts: [{kind: email, target: payments@example.com}]
  - slug: checkout
    name: Checkout
    timezone: America/New_York
    escalation_policy: checkout
  - slug: orphans
    name: Orphans
    timezone: UTC
  - slug: ledger
    name: Ledger
    timezone: Europe/Prague
    escalation_policy: daytime
people:
  - username: alice
    name: Alice Novak
    contacts:
      - {kind: email, target: alice@example.com}
      - {kind: slack, target: U0ALICE01}
    notification_rules: [{contact: slack}, {contact: email, after: 2m}]
  - username: bob
    name: Bob Smith
    contacts: [{kind: email, target: bob@example.com}]
  - username: carol
    name: Carol Lead
    contacts: [{kind: webhook, target: "http://127.0.0.1:9/carol"}]
  - username: dave
    name: Dave Nocontact
  - username: erin
    name: Erin Backup
    contacts: [{kind: email, target: erin@example.com}]
schedules:
  - slug: checkout-primary
    name: Checkout primary
    team: checkout
    timezone: America/New_York
    layers:
      - name: weekly
        participants: [bob, erin]
        start: 2026-01-05T09:00
  - slug: ledger-day
    name: Ledger business hours
    team: ledger
    timezone: Europe/Prague
    layers:
      - name: day
        participants: [erin]
        start: 2026-01-05T09:00
        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
escalation_policies:
  - slug: daytime
    name: Ledger
    steps:
      - notify_on_call: ledger-day
      - notify_users: [bob]
  - slug: payments
    name: Payments
    steps:
      - notify_users: [alice]
      - wait: 5m
      - notify_users: [bob]
      - wait: 5m
    repeat: 1
    final: [carol]
    ack_timeout: 30m
  - slug: checkout
    name: Checkout
    steps:
      - notify_on_call: checkout-primary
      - notify_team_channel: true
      - wait: 10m
      - notify_users: [dave, carol]
  - slug: bob-only
    name: Bob only
    steps:
      - notify_users: [bob]
notifications:
  email: {host: 127.0.0.1, port: 9, from_address: warroom@example.com}
  slack: {bot_token_env: WARROOM_TEST_SLACK_TOKEN, signing_secret_env: WARROOM_TEST_SLACK_SECRET}
"""


@contextmanager
def escalation_app(
    engine: Engine, tmp_path: Path, start: datetime | None = None, config: str = CONFIG
) -> Iterator[Harness]:
    path = tmp_path / "warroom.yaml"
    path.write_text(config)
    with running_app(engine, path, FakeClock(start)) as harness:
        yield harness


def _rows(api: Harness, stmt: Any) -> list[Any]:
    with make_session_factory(api.engine)() as session:
        return list(session.scalars(stmt))


def incident_id(api: Harness, number: int) -> int:
    rows = _rows(api, select(Incident.id).where(Incident.number == number))
    return int(rows[0])


def pages(api: Harness, number: int = 1) -> list[Page]:
    stmt = select(Page).where(Page.incident_id == incident_id(api, number))
    return _rows(api, stmt.order_by(Page.id))


def paged(api: Harness, number: int = 1) -> list[tuple[str, int, int]]:
    """(username, 1-based step, 1-based round) of each page, in order."""
    return [(p.username, p.step + 1, p.round + 1) for p in pages(api, number)]


def runs(api: Harness, number: int = 1) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.incident_id == incident_id(api, number))
    return _rows(api, stmt.order_by(Escalation.id))


def deliveries(api: Harness, number: int = 1) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.incident_id == incident_id(api, number))
    return _rows(api, stmt.order_by(Delivery.id))


def page_deliveries(api: Harness, number: int = 1) -> list[tuple[str | None, str, str]]:
    """(username, channel, target) of each delivery of a page."""
    return [
        (d.username, d.channel.value, d.target)
        for d in deliveries(api, number)
        if d.page_id is not None
    ]


def entries(api: Harness, number: int = 1, *kinds: str) -> list[TimelineEntry]:
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id(api, number))
    found = _rows(api, stmt.order_by(TimelineEntry.at, TimelineEntry.id))
    return [e for e in found if not kinds or e.kind.value in kinds]


def texts(api: Harness, number: int = 1, *kinds: str) -> list[str]:
    return [e.text for e in entries(api, number, *kinds)]


def jobs(api: Harness, kind: str) -> list[Job]:
    return _rows(api, select(Job).where(Job.kind == kind).order_by(Job.id))
