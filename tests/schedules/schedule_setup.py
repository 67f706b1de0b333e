"""A warroom with people and schedules (primary + backup, business hours, another zone)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""10:00 in Prague on Monday 2026-03-02: alice's first primary week (hand-off Monday 09:00)."""

CONFIG = """
organization: {name: Schedules Test}
teams:
  - slug: payments
    name: Payments
    timezone: Europe/Prague
    contacts: [{kind: email, target: payments@example.com}]
  - slug: checkout
    name: Checkout
    timezone: America/New_York
    contacts: [{kind: email, target: checkout@example.com}]
people:
  - username: alice
    name: Alice Novak
    contacts: [{kind: email, target: alice@example.com}, {kind: slack, target: U0ALICE01}]
  - username: bob
    name: Bob Smith
    contacts: [{kind: email, target: bob@example.com}]
  - username: carol
    name: Carol Lead
  - username: dave
    name: Dave Jones
schedules:
  - slug: pay-primary
    name: Payments primary
    team: payments
    timezone: Europe/Prague
    layers:
      - {name: weekly, participants: [alice, bob], start: "2026-03-02T09:00"}
  - slug: pay-backup
    name: Payments backup
    team: payments
    timezone: Europe/Prague
    layers:
      - {name: weekly, participants: [bob, alice], start: "2026-03-02T09:00"}
  - slug: pay-business
    name: Payments business hours
    team: payments
    timezone: Europe/Prague
    layers:
      - name: business
        participants: [carol]
        start: "2026-03-02T09:00"
        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
  - slug: checkout
    name: Checkout on call
    team: checkout
    timezone: America/New_York
    layers:
      - {name: daily, participants: [carol, dave], shift: daily, start: "2026-03-01T09:00"}
"""


@contextmanager
def schedule_app(
    engine: Engine,
    tmp_path: Path,
    start: datetime = MONDAY,
    config: str = CONFIG,
    **settings: object,
) -> Iterator[Harness]:
    path = tmp_path / "warroom.yaml"
    path.write_text(config)
    with running_app(engine, path, FakeClock(start), **settings) as harness:
        yield harness
