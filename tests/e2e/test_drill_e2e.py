"""A game-day drill end to end through real intake: ``warroom serve --no-worker`` beside a
``warroom worker`` on PostgreSQL. The drill is run through the API; its Alertmanager alert
goes through warroom's own ingest endpoint, the worker opens a drill incident and pages the
on-call person by email (a real SMTP server), marked DRILL. She acknowledges and posts an
update through the API, the incident resolves, and the run is scored: the scorecard shows
the time to detect and to acknowledge the incident's own timestamps give."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.e2e.stack import AM_SLUG, TEAM, Stack
from tests.e2e.test_paging_e2e import paging_config
from tests.support.sinks import SmtpSink

pytestmark = pytest.mark.slow

DRILLS = {
    "timeout": "10m",
    "scenarios": [
        {
            "name": "checkout-queue-backlog",
            "team": TEAM,
            "kind": "alertmanager",
            "integration": AM_SLUG,
            "title": "QueueBacklog",
            "labels": {"service": "checkout-queue"},
            "expect_severity": "SEV1",
            "targets": {"detect": "1m", "acknowledge": "2m", "first_update": "5m"},
        }
    ],
}


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_a_drill_through_real_intake_pages_marked_drill_and_is_scored(
    stack: Stack, smtp: SmtpSink, empty_postgres_url: str
) -> None:
    extra: dict[str, Any] = {**paging_config(smtp.port), "drills": DRILLS}
    warroom = stack.warroom(
        database_url=empty_postgres_url, extra=extra, serve_args=["--no-worker"]
    )
    warroom.wait_ready()
    worker = stack.worker(warroom, "worker")
    stack.wait(lambda: "worker_running" in worker.stdout() + worker.stderr() or None, "the worker")

    answer = warroom.client.post("/api/v1/drills/checkout-queue-backlog/run")
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert run["status"] == "running"

    [page] = stack.wait(lambda: smtp.to("alice@example.com") or None, "the drill's page")
    assert page.subject.startswith("[DRILL] [SEV1] INC-1 DRILL: QueueBacklog"), page.subject
    assert page.part("plain").startswith("[DRILL]") or "[DRILL]" in page.part("plain")
    [incident] = warroom.incidents()
    assert (incident["ref"], incident["drill"], incident["team"]) == ("INC-1", True, TEAM)
    [alert] = warroom.alerts()
    assert alert["labels"]["warroom_drill"] == run["token"]

    client = warroom.client
    assert client.post("/api/v1/incidents/INC-1/actions/acknowledge").status_code == 200
    update = client.post("/api/v1/incidents/INC-1/updates", json={"text": "Drill: draining."})
    assert update.status_code == 201, update.text
    assert client.post("/api/v1/incidents/INC-1/actions/resolve").status_code == 200

    def scored() -> dict[str, Any] | None:
        body: dict[str, Any] = warroom.get(f"/api/v1/drills/runs/{run['id']}")
        return body if body["status"] == "scored" else None

    done = stack.wait(scored, "the run's score")
    incident = warroom.get("/api/v1/incidents/INC-1")
    assert (done["ended"], done["incident"], done["severity"]) == ("resolved", "INC-1", "SEV1")
    ttd = _seconds(done["injected_at"], incident["declared_at"])
    tta = _seconds(incident["declared_at"], incident["acknowledged_at"])
    assert done["detect"] == {"seconds": ttd, "target_seconds": 60.0, "passed": True}
    assert done["acknowledge"] == {"seconds": tta, "target_seconds": 120.0, "passed": True}
    assert done["first_update"]["passed"] is True
    assert done["passed"] is True
    received = _seconds(done["injected_at"], alert["first_seen_at"])
    figures = {"received": received, "TTD": ttd, "TTA": tta}
    print("drill:", ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in figures.items()))

    [card] = warroom.get("/api/v1/drills/scorecard", team=TEAM)["teams"]
    assert (card["team"], card["runs"], card["passed"]) == (TEAM, 1, 1)
    [week] = card["weeks"]
    assert week["detect"] == {"median_seconds": ttd, "met": 1}
    assert week["acknowledge"] == {"median_seconds": tta, "met": 1}
