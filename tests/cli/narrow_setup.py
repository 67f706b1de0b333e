"""A warroom with long names everywhere, and data in every table the CLI prints.

Slugs, titles, label sets, URLs and reasons are as long as real organisations make them, so
the tables are far wider than 80 columns unless the CLI makes them fit.
"""

from __future__ import annotations

import gzip
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, console_width, plain
from tests.errors.support import make_envelope
from warroom.auth import service as auth_service
from warroom.auth.models import User, UserRole
from warroom.cli.main import app as cli_app
from warroom.db.engine import make_session_factory

AM_KEY = "am-narrow-key-0123456789abcdef"
SENTRY_KEY = "f3a9c1d27b8e4f60a5d4c3b2a1908f7e"
PROJECT_ID = 4711
PROJECT = "payments-reconciliation-backend"
RELEASE = "payments-reconciliation-backend@2026.03.02-rc.1+build.4711"
TEAM = "payments-reconciliation"
SERVICE = "payments-reconciliation-ledger-writer"
INTEGRATION = "prometheus-alertmanager-eu-west-1-production"
SCHEDULE = "payments-reconciliation-primary-eu"
PAGER_URL = (
    "https://hooks.internal.example.com/services/T0123456789/B0123456789/"
    "pager-relay-for-alexandra-konstantinopoulou"
)

CONFIG = f"""
organization: {{name: Narrow Terminal Test}}
teams:
  - slug: {TEAM}
    name: Payments reconciliation and ledger integrity
    timezone: Europe/Prague
    escalation_policy: {TEAM}-default
  - slug: checkout-experience-platform
    name: Checkout experience platform
    timezone: America/Los_Angeles
incident_defaults:
  triage_team: checkout-experience-platform
people:
  - username: alexandra.konstantinopoulou
    name: Alexandra Konstantinopoulou-Vanderberg
    contacts:
      - {{kind: webhook, target: "{PAGER_URL}"}}
      - {{kind: email, target: alexandra.konstantinopoulou@payments.example.com}}
    notification_rules: [{{contact: webhook}}, {{contact: email}}]
  - username: bartholomew.vanderberg
    name: Bartholomew Vanderberg-Konstantinopoulou
    contacts: [{{kind: email, target: bartholomew.vanderberg@payments.example.com}}]
schedules:
  - slug: {SCHEDULE}
    name: Payments reconciliation primary (EU business and night shifts)
    team: {TEAM}
    timezone: Europe/Prague
    layers:
      - name: weekly-follow-the-sun-rotation
        participants: [alexandra.konstantinopoulou, bartholomew.vanderberg]
        start: "2026-03-02T09:00"
escalation_policies:
  - slug: {TEAM}-default
    name: Payments reconciliation default
    steps:
      - notify_on_call: {SCHEDULE}
      - wait: 10m
      - notify_users: [bartholomew.vanderberg]
services:
  - slug: {SERVICE}
    name: Ledger writer of payments reconciliation
    team: {TEAM}
    tier: 1
integrations:
  - slug: {INTEGRATION}
    kind: alertmanager
    key: {AM_KEY}
    environment: production
    team: {TEAM}
    service: {SERVICE}
projects:
  - slug: {PROJECT}
    id: {PROJECT_ID}
    team: {TEAM}
    platform: python
    keys: [{{public_key: {SENTRY_KEY}}}]
alert_rules:
  - name: page-on-everything-critical-in-production
notifications:
  email: {{host: 127.0.0.1, port: 9, from_address: warroom@example.com}}
"""

ALERT_TITLE = "LedgerWriterReplicationLagHigh"
SUMMARY = (
    "Replication lag of the ledger writer's PostgreSQL replica in eu-west-1 has been above "
    "30 seconds for 10 minutes; reconciliation batches are running against stale balances"
)
LABELS = {
    "service": SERVICE,
    "severity": "critical",
    "cluster": "prod-eu-west-1-payments-reconciliation-kubernetes-cluster",
    "namespace": "payments-reconciliation-ledger",
    "pod": "ledger-writer-7d9f8b6c5d-x2k4p",
    "instance": "ledger-writer-replica-3.payments-reconciliation.svc.cluster.local:9187",
}
NOTE = (
    "Failed over the ledger writer to the standby replica in eu-west-1b; replication lag is "
    "back under one second and the reconciliation batches were re-run from 08:40"
)
UPDATE = (
    "We are investigating delayed settlement reports for merchants in the EU; payments "
    "themselves are not affected. Next update within 30 minutes."
)
SILENCE_COMMENT = (
    "Planned failover drill of the ledger writer replicas in eu-west-1 (change CHG-20260302-17)"
)
OVERRIDE_REASON = (
    "Alexandra is at the payments reconciliation offsite in Lisbon; Bartholomew covers the "
    "whole week including nights"
)
TOKEN_NAME = "github-actions-payments-reconciliation-release-pipeline-deploy-gate"
ERROR_VALUE = (
    "ledger entry 8f3c0c5e-9d2b-4b7a-a7f1-3e2d1c0b9a87 does not balance: debit 1,204.55 EUR "
    "against credit 1,204.50 EUR in batch reconciliation-2026-03-02T08:40"
)


@dataclass
class NarrowCli:
    """Runs ``warroom …`` in-process against the seeded server at a given terminal width."""

    live: LiveServer
    database_url: str

    def run(self, width: int, *args: str) -> Result:
        env: dict[str, str | None] = {
            "WARROOM_URL": self.live.url,
            "WARROOM_TOKEN": self.live.admin_token,
            "WARROOM_TIMEOUT": None,
            "WARROOM_DATABASE_URL": self.database_url,
            "COLUMNS": str(width),
        }
        with console_width(width):
            return CliRunner().invoke(cli_app, list(args), env=env)

    def ok(self, width: int, *args: str) -> str:
        result = self.run(width, *args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return plain(result.stdout)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(200, *args, "--json"))


def alertmanager(status: str = "firing") -> dict[str, Any]:
    return {
        "receiver": "warroom",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": ALERT_TITLE, **LABELS},
                "annotations": {
                    "summary": SUMMARY,
                    "runbook_url": "https://runbooks.internal.example.com/payments/"
                    "reconciliation/ledger-writer/replication-lag-high#failover",
                },
                "startsAt": "2026-03-02T08:55:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus-eu-west-1.monitoring.svc.cluster.local:9090"
                "/graph?g0.expr=pg_replication_lag_seconds%7Bservice%3D%22ledger-writer%22%7D",
            }
        ],
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": "{}:{alertname=LedgerWriterReplicationLagHigh}",
        "truncatedAlerts": 0,
    }


def sentry_event_to(url: str, kind: str, release: str = RELEASE) -> None:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "platform": "python",
        "level": "error",
        "environment": "production",
        "release": release,
        "exception": {
            "values": [
                {
                    "type": kind,
                    "value": ERROR_VALUE,
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "payments/reconciliation/ledger/writer.py",
                                "function": f"reconcile_{kind.lower()}",
                                "lineno": 412,
                                "module": "payments.reconciliation.ledger.writer",
                                "in_app": True,
                            }
                        ]
                    },
                }
            ]
        },
    }
    body = make_envelope({"event_id": event_id}, ({"type": "event"}, orjson.dumps(event)))
    auth = f"Sentry sentry_key={SENTRY_KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"
    answer = httpx.post(
        f"{url}/api/{PROJECT_ID}/envelope/",
        content=gzip.compress(body),
        headers={"X-Sentry-Auth": auth, "Content-Encoding": "gzip"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def seed(cli: NarrowCli) -> None:
    """One of everything, made the way production makes it: ingest, worker, CLI."""
    live = cli.live
    answer = httpx.post(f"{live.url}/ingest/alertmanager/{AM_KEY}", json=alertmanager())
    assert answer.status_code == 200, answer.text
    live.app.state.worker.drain()
    for args in (
        ("incident", "note", "INC-1", NOTE),
        ("incident", "update", "INC-1", UPDATE),
        (
            "incident",
            "declare",
            "Settlement reports for EU merchants are delayed by more than two hours",
            "--severity",
            "SEV2",
            "--team",
            TEAM,
        ),
        (
            "silence",
            "add",
            f'alertname="{ALERT_TITLE}"',
            'cluster=~"prod-eu-west-1-payments-.*"',
            'namespace="payments-reconciliation-ledger"',
            "--duration",
            "2h",
            "--comment",
            SILENCE_COMMENT,
        ),
        ("maintenance", "add", SERVICE, "--duration", "3h", "--comment", SILENCE_COMMENT),
        (
            "oncall",
            "override",
            "add",
            SCHEDULE,
            "--user",
            "bartholomew.vanderberg",
            "--from",
            "2026-03-03T09:00:00Z",
            "--to",
            "2026-03-10T09:00:00Z",
            "--replaces",
            "alexandra.konstantinopoulou",
            "--reason",
            OVERRIDE_REASON,
        ),
        (
            "release",
            "new",
            RELEASE,
            "--project",
            PROJECT,
            "--url",
            "https://github.example.com/payments/reconciliation/releases/tag/2026.03.02-rc.1",
        ),
        ("release", "deploy", RELEASE, "--environment", "production-eu-west-1-canary"),
    ):
        result = cli.run(200, *args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    live.app.state.worker.drain()
    for kind in ("LedgerImbalanceError", "SettlementBatchTimeoutError"):
        sentry_event_to(live.url, kind)
    live.app.state.worker.drain()
    with make_session_factory(live.engine)() as session:
        owner = session.scalars(select(User).where(User.username == "admin")).one()
        auth_service.create_token(session, owner, TOKEN_NAME, live.clock())
        other = auth_service.create_user(
            session, "release-automation-service-account", UserRole.RESPONDER, live.clock()
        )
        auth_service.create_token(session, other, TOKEN_NAME, live.clock())
        session.commit()
