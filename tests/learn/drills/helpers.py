"""A warroom with drill scenarios for every kind of injection, paging through real SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.notify.helpers import PUBLIC_URL, config_text
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, SmtpSink

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday
DRILLS = "/api/v1/drills"
DSN_KEY = "0123456789abcdef0123456789abcdef"

DRILL_CONFIG = f"""
integrations:
  - slug: am
    kind: alertmanager
    key: am-drill-key-0123456789
  - slug: pd
    kind: pagerduty
    key: pdpdpdpdpdpdpdpdpdpdpdpdpdpdpd32
    team: payments
  - slug: backup
    kind: heartbeat
    key: beat-drill-key-0123456789
    team: payments
    heartbeat:
      interval: 1h
      grace: 5m
projects:
  - slug: shop
    id: 42
    team: payments
    keys: [{{public_key: {DSN_KEY}}}]
issue_rules:
  - name: every-new-error
    conditions: [{{kind: new_issue}}]
    action: incident
    severity: SEV2
drills:
  timeout: 30m
  scenarios:
    - name: payments-am
      team: payments
      kind: alertmanager
      integration: am
      title: PaymentsApiDown
      labels: {{service: payments-api}}
      expect_severity: SEV1
    - name: payments-pd
      team: payments
      kind: pagerduty
      integration: pd
      title: Card processor timeouts
      signal_severity: error
      expect_severity: SEV2
      targets: {{detect: 1m, acknowledge: 2m, first_update: 10m}}
    - name: payments-sentry
      team: payments
      kind: sentry
      project: shop
      title: ZeroDivisionError in checkout
      expect_severity: SEV2
    - name: backup-missed
      team: payments
      kind: heartbeat
      integration: backup
      title: nightly backup
      expect_severity: SEV1
"""


@contextmanager
def drill_app(engine: Engine, tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> Iterator[Harness]:
    path = tmp_path / "warroom.yaml"
    path.write_text(config_text(smtp.port, hook.url) + DRILL_CONFIG)
    with running_app(engine, path, FakeClock(START), public_url=PUBLIC_URL) as harness:
        yield harness


def run(api: Harness, name: str, token: str | None = None) -> dict[str, Any]:
    response = api.post(f"{DRILLS}/{name}/run", token=token)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def get_run(api: Harness, run_id: int) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", f"{DRILLS}/runs/{run_id}")
    return body
