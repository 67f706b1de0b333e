"""Three ``warroom worker`` processes share an alert storm on PostgreSQL behind a ``warroom
serve --no-worker``; one is SIGKILLed while the backlog drains. No signal is processed twice,
none is lost, every alert's signals are applied in order, and the storm is one incident.

Why: a batch takes the pending signals of the identity shards whose advisory locks it got
(one alert's signals are always in one shard), and marks them processed in the transaction
that applies them; the killed worker's open batch rolls back and its signals stay pending
for the others.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.stack import SERVICE, Stack

pytestmark = pytest.mark.slow

TARGETS = 400
NAMES = 10
ALERTS = TARGETS * NAMES
PER_POST = 64
STALL_SECONDS = 120


def storm(wave: int) -> list[dict[str, Any]]:
    """Every target of one service fires; wave 2 re-sends it with a new value (a joining
    signal that changes the alert), wave 3 resolves the odd targets."""
    alerts = []
    for target in range(TARGETS):
        for name in range(NAMES):
            alert: dict[str, Any] = {
                "labels": {
                    "alertname": f"Storm{name}",
                    "instance": f"pod-{target}",
                    "service": SERVICE,
                    "severity": "critical",
                },
                "annotations": {"value": str(wave)},
                "startsAt": "2026-12-03T08:00:00Z",
                "endsAt": "2099-01-01T00:00:00Z",  # no expiry while the test runs
            }
            if wave == 3:
                if target % 2 == 0:
                    continue
                alert["annotations"] = {"value": "2"}
                alert["endsAt"] = "2026-12-03T08:05:00Z"
            alerts.append(alert)
    return alerts


def post_all(url: str, alerts: list[dict[str, Any]]) -> None:
    batches = [alerts[i : i + PER_POST] for i in range(0, len(alerts), PER_POST)]
    with httpx.Client(timeout=30) as client:

        def post(batch: list[dict[str, Any]]) -> None:
            answer = client.post(url, json=batch)
            assert answer.status_code == 200, answer.text

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(post, batches))


def test_three_workers_share_a_storm_and_a_kill_loses_and_repeats_nothing(
    stack: Stack, empty_postgres_url: str
) -> None:
    rules = [{"name": "storm", "matchers": ['severity="critical"'], "group_by": "service"}]
    warroom = stack.warroom(
        database_url=empty_postgres_url,
        alert_rules=rules,
        serve_args=["--no-worker"],
        am_extra={"rate_limit": {"per_second": 100_000, "burst": 100_000}},
    )
    warroom.wait_ready()
    url = f"{warroom.url}/ingest/alertmanager/{warroom.am_key}/api/v2/alerts"
    # The whole storm is durable before any worker starts: the backlog is theirs to share.
    for wave in (1, 2, 3):
        post_all(url, storm(wave))
    signals = ALERTS * 2 + ALERTS // 2

    engine = create_engine(empty_postgres_url)

    def processed() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM signals WHERE processed_at IS NOT NULL")
                ).scalar_one()
            )

    doomed = stack.worker(warroom, "worker-1")
    others = [stack.worker(warroom, f"worker-{n}") for n in (2, 3)]
    while processed() < signals // 3:
        assert doomed.alive(), doomed.tail()
        time.sleep(0.05)
    doomed.popen.kill()
    doomed.popen.wait(10)
    at_kill = processed()
    print(f"SIGKILL worker-1 after {at_kill} of {signals} signals")
    assert at_kill < signals, "the kill came too late to prove anything"

    last, moved = processed(), time.monotonic()
    while last < signals:
        time.sleep(0.2)
        now = processed()
        if now != last:
            last, moved = now, time.monotonic()
        assert time.monotonic() - moved < STALL_SECONDS, stack.diagnostics()
    assert all(worker.alive() for worker in others)

    with engine.connect() as conn:

        def rows(sql: str) -> list[Any]:
            return list(conn.execute(text(sql)).all())

        # Every signal decided once: one outcome each, no history line twice for a signal.
        assert rows("SELECT outcome, count(*) FROM signals GROUP BY outcome ORDER BY outcome") == [
            ("opened", ALERTS),
            ("updated", ALERTS + ALERTS // 2),
        ]
        assert (
            rows(
                "SELECT signal_id FROM alert_events WHERE signal_id IS NOT NULL "
                "GROUP BY signal_id, kind HAVING count(*) > 1"
            )
            == []
        )
        # One alert per identity (none opened twice), in the state its last signal left.
        assert rows(
            "SELECT status, annotations->>'value', occurrences, count(*) FROM alerts "
            "GROUP BY status, annotations->>'value', occurrences ORDER BY status"
        ) == [("firing", "2", 1, ALERTS // 2), ("resolved", "2", 1, ALERTS // 2)]
        # The storm is one incident with every alert, declared (and so paged) once.
        assert rows("SELECT alert_count FROM incidents") == [(ALERTS,)]
        assert rows("SELECT count(*) FROM alerts WHERE incident_id IS NOT NULL") == [(ALERTS,)]
        assert rows(
            "SELECT count(*) FROM jobs WHERE kind = 'incident_event' "
            "AND CAST(payload AS jsonb)->>'kind' = 'declared'"
        ) == [(1,)]
    engine.dispose()
