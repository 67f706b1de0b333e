"""PostgreSQL goes away under load and comes back; warroom keeps its promises throughout.

One ``warroom serve --no-worker`` and one ``warroom worker`` on a PostgreSQL server of this
test's own (it is stopped and started, so not the session's shared one). Senders post
Alertmanager and PagerDuty signals non-stop, and incidents are declared through the API so
that pages go out by email to a real SMTP sink. Then, in turn:

1. ``pg_ctl stop -m fast``, down for a few seconds, ``pg_ctl start``;
2. ``pg_ctl restart -m fast``;
3. a failover-style reset: every backend of the database is terminated.

Throughout: ingest answers 2xx or 503 with ``Retry-After`` (never a 500, never past its
deadline); while the server is down every ingest route answers 503 and ``/readyz`` 503; each
part of each process logs ``database_unavailable`` once per outage; warroom recovers by
itself. After: every acknowledged signal is stored and processed, every declared incident's
pages arrive once (no Message-ID twice), and no job counted a failure.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import IN_CI
from tests.e2e.outage import (
    BACKUP,
    PRIMARY,
    REQUEST_SECONDS,
    Load,
    log_events,
    outage_config,
    probe_all,
    readyz,
    start_warroom,
    stored_identities,
    unavailable_per_part,
    unprocessed_signals,
)
from tests.e2e.processes import Process
from tests.e2e.stack import TEAM, Stack, Warroom
from tests.support.postgres import PostgresServer, PostgresUnavailable, start_server
from tests.support.sinks import SmtpSink

pytestmark = pytest.mark.slow

REF = re.compile(r"\bINC-\d+\b")
DOWN_SECONDS = 6
RECOVERY_SECONDS = 30
"""warroom must be ingesting again this long after PostgreSQL is back (the workers' longest
backoff is 5 s)."""


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test alone: it is stopped and restarted."""
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and could not start: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield server
    finally:
        server.stop()


def ingesting(warroom: Warroom) -> bool:
    probe = probe_all(warroom)["alertmanager webhook"]
    return probe.status_code == 200


def recover(stack: Stack, warroom: Warroom, since: float) -> float:
    """Seconds from ``since`` until ``/readyz`` and ingest both answer 200."""
    stack.wait(lambda: readyz(warroom) == 200, "/readyz to be ready again", RECOVERY_SECONDS)
    stack.wait(lambda: ingesting(warroom), "ingest to answer 200 again", RECOVERY_SECONDS)
    return time.monotonic() - since


class Incidents:
    """Declares SEV1 incidents through the API, one every ``pause`` seconds, recording the
    refs of those answered 201 (a 503 while the database is away is expected)."""

    def __init__(self, warroom: Warroom) -> None:
        self.warroom = warroom
        self.refs: list[str] = []
        self.statuses: Counter[int | None] = Counter()

    def declare(self) -> None:
        try:
            answer = self.warroom.client.post(
                "/api/v1/incidents",
                json={"title": "Database outage drill", "severity": "SEV1", "team": TEAM},
            )
        except httpx.HTTPError:
            self.statuses[None] += 1
            return
        self.statuses[answer.status_code] += 1
        if answer.status_code == 201:
            self.refs.append(answer.json()["ref"])


def started(stack: Stack, process: Process) -> None:
    def running() -> bool:
        return bool(log_events(process.stdout() + process.stderr(), "worker_running"))

    stack.wait(running, f"{process.name} to run")


def stop_and_start(stack: Stack, warroom: Warroom, server: PostgresServer, load: Load) -> float:
    """``pg_ctl stop``: every ingest route answers 503 with Retry-After in time, and so
    does the API; ``/readyz`` says not ready; the load gets 503s. Then ``pg_ctl start``:
    the seconds until warroom is ready and ingesting again."""
    stopped = time.monotonic()
    server.pg_ctl("stop", "fast")
    stack.wait(lambda: readyz(warroom) == 503, "/readyz to say not ready", 15)
    for route, answer in probe_all(warroom).items():
        assert answer.status_code == 503, (route, answer.status_code, answer.text)
        assert answer.headers["retry-after"] == "5", route
        assert answer.elapsed.total_seconds() < REQUEST_SECONDS, route
    declared = warroom.client.post(
        "/api/v1/incidents", json={"title": "Refused", "severity": "SEV1", "team": TEAM}
    )
    assert declared.status_code == 503, declared.text
    assert declared.headers["retry-after"] == "5"
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))
    assert load.statuses(since=stopped + 1)[503] > 0
    server.pg_ctl("start")
    return recover(stack, warroom, time.monotonic())


def create_database(server: PostgresServer, name: str) -> str:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return server.url(name)


def terminate_backends(server: PostgresServer, database: str) -> int:
    """A failover-style reset: every connection to ``database`` is cut."""
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar_one()
    return int(killed)


def pages(smtp: SmtpSink) -> set[tuple[str, str]]:
    """(incident ref, recipient) of every email received."""
    return {
        (ref, to)
        for mail in smtp.received()
        for to in mail.recipients
        for ref in REF.findall(mail.subject)
    }


def database_counts(url: str) -> tuple[int, Counter[str]]:
    """Jobs that counted a failed attempt, and deliveries by status."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        failed = int(
            conn.execute(text("SELECT count(*) FROM jobs WHERE attempts > 0")).scalar_one()
        )
        deliveries = Counter(row[0] for row in conn.execute(text("SELECT status FROM deliveries")))
    return int(failed), deliveries


def test_postgres_stop_restart_and_reset_lose_nothing_acknowledged(
    stack: Stack, own_postgres: PostgresServer
) -> None:
    url = create_database(own_postgres, "outage")
    with SmtpSink() as smtp:
        warroom = start_warroom(stack, url, outage_config(smtp), serve_args=["--no-worker"])
        warroom.wait_ready()
        worker = stack.worker(warroom, "worker")
        started(stack, worker)
        incidents = Incidents(warroom)
        recovery: dict[str, float] = {}
        with Load(warroom) as load:
            incidents.declare()
            time.sleep(1)
            recovery["stop"] = stop_and_start(stack, warroom, own_postgres, load)
            incidents.declare()
            serve_log, worker_log = warroom.process.stderr(), worker.stderr()
            assert unavailable_per_part(serve_log)["ingest"] == 1, warroom.process.tail(40)
            assert unavailable_per_part(worker_log)["warroom-worker"] == 1, worker.tail(40)
            assert log_events(serve_log, "database_available")

            restarted = time.monotonic()
            own_postgres.pg_ctl("restart", "fast")
            recovery["restart"] = recover(stack, warroom, restarted)
            incidents.declare()

            reset = time.monotonic()
            assert terminate_backends(own_postgres, "outage") > 0
            recovery["reset"] = recover(stack, warroom, reset)
            incidents.declare()
            time.sleep(1)
        answers = load.snapshot()

        # Every answer: a 2xx, or a 503 with Retry-After in time; never a 500.
        statuses = Counter(a.status for a in answers)
        slowest = max(a.seconds for a in answers)
        # Nothing acknowledged is lost, and the pipeline processes all of it.
        acked, stored = load.acked(), stored_identities(url)
        stack.wait(lambda: unprocessed_signals(url) == 0, "every signal to be processed", 120)
        lost = acked - stored
        # Every incident declared pages alice, then bob, each once.
        expected = {(ref, to) for ref in incidents.refs for to in (PRIMARY, BACKUP)}
        stack.wait(lambda: pages(smtp) >= expected or None, "every page to arrive", 120)
        time.sleep(2)  # a page sent twice would arrive now
        ids = Counter(mail.message_id for mail in smtp.received())
        twice = {message_id: n for message_id, n in ids.items() if n > 1}
        job_failures, deliveries = database_counts(url)
        serve_log, worker_log = warroom.process.stderr(), worker.stderr()
        print(  # the figures of the report
            f"signals sent {len(answers)}, acknowledged {len(acked)}, stored {len(stored)}, "
            f"acknowledged and lost {len(lost)}; answers {dict(statuses)}; "
            f"slowest answer {slowest:.2f} s; incidents declared {len(incidents.refs)} "
            f"({dict(incidents.statuses)}); emails {sum(ids.values())}, "
            f"sent twice {len(twice)}; deliveries {dict(deliveries)}; seconds to recover "
            f"{ {k: round(v, 1) for k, v in recovery.items()} }; database_unavailable lines: "
            f"serve {dict(unavailable_per_part(serve_log))}, "
            f"worker {dict(unavailable_per_part(worker_log))}"
        )
        assert set(statuses) <= {200, 202, 503}, statuses
        assert all(a.retry_after == "5" for a in answers if a.status == 503)
        assert slowest < REQUEST_SECONDS
        assert lost == set(), f"{len(lost)} acknowledged signals lost"
        assert twice == {}, twice
        assert job_failures == 0
        assert set(deliveries) == {"delivered"}, deliveries
        for process in (warroom.process, worker):
            assert "Traceback" not in process.stderr(), process.tail(60)
        # One line per part and outage: three outages at most were seen.
        for text_ in (serve_log, worker_log):
            assert max(unavailable_per_part(text_).values()) <= 3
        assert worker.alive()
