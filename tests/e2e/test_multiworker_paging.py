"""Two ``warroom worker`` processes on one PostgreSQL page 500 escalating incidents; one is
killed with SIGKILL halfway. Every page arrives, and none twice.

Each incident pages alice at once and bob after a short wait (the policy's second step), by
webhook to a real HTTP receiver on loopback: 1,000 pages in all. Jobs run in transactions,
so the killed worker's job rolls back and the survivor runs it; deliveries are claimed with a
lease, so the killed worker's claimed deliveries are sent by the survivor when the lease runs
out. A delivery the killed worker had sent but not yet recorded is sent again with the same
``X-Warroom-Delivery`` (docs/decisions/0006-outbox-leases.md): receivers drop it by that id,
and the test counts notifications the same way, while bounding such repeats by what one
worker can have in flight.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.e2e.processes import Process, start, wait_healthy, wait_until
from tests.e2e.stack import TOKEN_LINE, WARROOM
from tests.support.postgres import PostgresServer, free_port
from tests.support.sinks import HttpSink
from warroom.db.engine import make_engine
from warroom.db.migrate import upgrade

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

INCIDENTS = 500
PEOPLE = ("alice", "bob")
LEASE_SECONDS = 5
BATCH_IN_FLIGHT = 25  # OutboxSender's batch: the most one worker can have claimed


def config(hook: HttpSink) -> dict[str, object]:
    return {
        "teams": [{"slug": "ops", "name": "Ops", "timezone": "UTC", "escalation_policy": "ops"}],
        "people": [
            {
                "username": name,
                "name": name.title(),
                "contacts": [{"kind": "webhook", "target": f"{hook.url}/{name}"}],
            }
            for name in PEOPLE
        ],
        "escalation_policies": [
            {
                "slug": "ops",
                "name": "Ops",
                "steps": [{"notify_users": ["alice"]}, {"wait": "3s"}, {"notify_users": ["bob"]}],
            }
        ],
    }


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"multiworker_{os.getpid()}"
    admin = create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.url(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_worker_killed_halfway_loses_no_page_and_doubles_none(
    tmp_path: Path, database: str
) -> None:
    processes: list[Process] = []
    client: httpx.Client | None = None
    with HttpSink() as hook:
        path = tmp_path / "warroom.yaml"
        path.write_text(yaml.safe_dump(config(hook)))
        port = free_port()
        env = {
            "WARROOM_DATABASE_URL": database,
            "WARROOM_PORT": str(port),
            "WARROOM_LOG_LEVEL": "warning",
            "WARROOM_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        try:
            api = start(
                "api",
                [WARROOM, "serve", "--no-worker", "--config", str(path)],
                tmp_path / "api",
                env,
            )
            processes.append(api)
            workers = [
                start(
                    f"worker{n}",
                    [WARROOM, "worker", "--config", str(path)],
                    tmp_path / f"worker{n}",
                    env,
                )
                for n in (1, 2)
            ]
            processes += workers
            url = f"http://127.0.0.1:{port}"
            wait_healthy(api, f"{url}/healthz")
            token = wait_until(lambda: TOKEN_LINE.search(api.stdout()), "admin token", 30)
            client = httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token.group(1)}"}, timeout=30
            )
            for number in range(INCIDENTS):
                answer = client.post(
                    "/api/v1/incidents",
                    json={"title": f"Incident {number}", "severity": "SEV1", "team": "ops"},
                )
                assert answer.status_code == 201, answer.text

            expected = INCIDENTS * len(PEOPLE)
            wait_until(
                lambda: len(hook.received()) >= expected // 2 or None, "half of the pages", 300
            )
            assert all(w.alive() for w in workers), "both workers must be working at the kill"
            os.kill(workers[0].popen.pid, signal.SIGKILL)
            killed_at = len(hook.received())

            def all_pages() -> bool:
                ids = {r.headers["X-Warroom-Delivery"] for r in hook.received()}
                return len(ids) >= expected

            wait_until(all_pages, "every page", 300, workers[1].tail)
            time.sleep(LEASE_SECONDS + 2)  # anything the dead worker held has been re-sent
        finally:
            if client is not None:
                client.close()
            for process in reversed(processes):
                process.stop()

        received = hook.received()
        by_delivery = Counter(r.headers["X-Warroom-Delivery"] for r in received)
        notifications = Counter(
            (r.json()["incident"]["ref"], r.path.rsplit("/", 1)[-1]) for r in received
        )
        # Zero missed: each incident paged alice and bob.
        assert len(by_delivery) == expected
        assert set(notifications) == {
            (f"INC-{n}", person) for n in range(1, INCIDENTS + 1) for person in PEOPLE
        }
        # Zero duplicates: one delivery per (incident, person); a repeat of a delivery can
        # only be one the killed worker had sent and not yet recorded.
        assert len(notifications) == len(by_delivery)
        repeats = sum(count - 1 for count in by_delivery.values())
        assert repeats <= BATCH_IN_FLIGHT, (repeats, killed_at)
        print(
            f"pages {expected}, received {len(received)}, repeats of an in-flight delivery "
            f"{repeats}, killed after {killed_at}"
        )
