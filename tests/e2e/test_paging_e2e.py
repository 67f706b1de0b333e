"""Alert to human, end to end: a real Alertmanager posts a critical alert to a real
``warroom serve``; the SEV1 incident pages the primary on call by email (a real SMTP server)
within a second of receipt; nobody answers, so the backup is paged after the policy's wait;
the backup acknowledges through the signed link in the email, and the escalation stops."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import TEST_CONFIG
from tests.e2e.stack import SERVICE, TEAM, Stack, webhook_receiver
from tests.support.sinks import ReceivedMail, SmtpSink

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("needs_alertmanager")]

WAIT_SECONDS = 3


def paging_config(smtp_port: int) -> dict[str, Any]:
    teams = yaml.safe_load(TEST_CONFIG.read_text())["teams"]
    for team in teams:
        if team["slug"] == TEAM:
            team["escalation_policy"] = "checkout"
            team["contacts"] = []
    always = {"start": "2026-01-05T00:00", "shift": "weekly"}
    return {
        "teams": teams,
        "people": [
            {
                "username": "alice",
                "name": "Alice Primary",
                "contacts": [{"kind": "email", "target": "alice@example.com"}],
            },
            {
                "username": "bob",
                "name": "Bob Backup",
                "contacts": [{"kind": "email", "target": "bob@example.com"}],
            },
        ],
        "schedules": [
            {
                "slug": "checkout-primary",
                "name": "Checkout primary",
                "team": TEAM,
                "timezone": "Europe/Prague",
                "layers": [{"name": "primary", "participants": ["alice"], **always}],
            },
            {
                "slug": "checkout-backup",
                "name": "Checkout backup",
                "team": TEAM,
                "timezone": "Europe/Prague",
                "layers": [{"name": "backup", "participants": ["bob"], **always}],
            },
        ],
        "escalation_policies": [
            {
                "slug": "checkout",
                "name": "Checkout",
                "repeat": 1,
                "steps": [
                    {"notify_on_call": "checkout-primary"},
                    {"wait": f"{WAIT_SECONDS}s"},
                    {"notify_on_call": "checkout-backup"},
                    {"wait": f"{WAIT_SECONDS}s"},
                ],
            },
        ],
        "notifications": {
            "email": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "from_address": "warroom@example.com",
            },
        },
    }


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def fire(alertmanager_url: str) -> None:
    alert = {
        "labels": {"alertname": "QueueBacklog", "service": SERVICE, "severity": "critical"},
        "annotations": {"summary": "Checkout queue backlog above 100 orders"},
        "generatorURL": "http://prometheus.example/graph",
    }
    answer = httpx.post(f"{alertmanager_url}/api/v2/alerts", json=[alert], timeout=5)
    assert answer.status_code == 200, answer.text


def link(mail: ReceivedMail, action: str) -> str:
    found = re.search(rf"^{action}:[ ]+(\S+)\r?$", mail.part("plain"), re.MULTILINE)
    assert found, mail.part("plain")
    return found.group(1)


def test_an_alert_pages_the_primary_escalates_to_the_backup_and_a_link_acknowledges(
    stack: Stack, smtp: SmtpSink
) -> None:
    warroom = stack.warroom(extra=paging_config(smtp.port))
    alertmanager = stack.alertmanager(webhook_receiver(warroom))
    warroom.wait_ready()

    fire(alertmanager.url)
    [incident] = stack.wait(lambda: warroom.incidents() or None, "the incident")
    assert incident["severity"] == "SEV1" and incident["team"] == TEAM

    [to_alice] = stack.wait(lambda: smtp.to("alice@example.com") or None, "the primary's page")
    [alert] = warroom.alerts()
    received = datetime.fromisoformat(alert["first_seen_at"]).timestamp()
    latency = to_alice.received_at - received
    print(f"alert receipt to the primary's email: {latency * 1000:.0f} ms")
    assert latency < 1.0, "the primary must be emailed within 1 s"
    assert incident["ref"] in to_alice.subject

    [to_bob] = stack.wait(lambda: smtp.to("bob@example.com") or None, "the backup's page")
    waited = to_bob.received_at - to_alice.received_at
    assert WAIT_SECONDS - 0.5 <= waited < WAIT_SECONDS + 3, waited

    ack = link(to_bob, "Acknowledge")
    assert ack.startswith(warroom.url + "/act/")
    confirm = httpx.get(ack, timeout=5)
    assert confirm.status_code == 200 and "<form" in confirm.text
    assert warroom.get(f"/api/v1/incidents/{incident['ref']}")["status"] == "triggered"
    done = httpx.post(ack, timeout=5)
    assert done.status_code == 200, done.text
    assert warroom.get(f"/api/v1/incidents/{incident['ref']}")["status"] == "acknowledged"

    time.sleep(2 * WAIT_SECONDS + 1)  # past the next step and the repeat round
    assert len(smtp.to("alice@example.com")) == 1
    assert len(smtp.to("bob@example.com")) == 1

    entries = warroom.get(f"/api/v1/incidents/{incident['ref']}/timeline")["entries"]
    kinds = [entry["kind"] for entry in entries]
    texts = " | ".join(entry["text"] for entry in entries)
    assert kinds[0] == "declared"
    paged = [entry for entry in entries if entry["kind"] == "paged"]
    assert ["alice" in paged[0]["text"], "bob" in paged[1]["text"]] == [True, True], texts
    assert "escalated" in kinds, texts
    ack_at = kinds.index("status_changed")
    assert entries[ack_at]["actor"] == "bob"
    assert "escalation_stopped" in kinds[ack_at:], texts
    assert kinds.index("paged") < kinds.index("escalated") < ack_at
