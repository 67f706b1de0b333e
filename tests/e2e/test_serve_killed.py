"""``kill -9`` of ``warroom serve`` under load, on SQLite and on PostgreSQL: no signal that
was acknowledged (answered 2xx) is lost, and a restarted ``warroom serve`` processes all
of them.

A 2xx is sent only after the commit that holds the signal, so a kill can only cut short
requests that were not answered yet: their senders see a broken connection and retry.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.outage import (
    Load,
    outage_config,
    probe_all,
    readyz,
    start_warroom,
    stored_identities,
    unprocessed_signals,
)
from tests.e2e.processes import wait_healthy
from tests.e2e.stack import Stack

pytestmark = pytest.mark.slow

LOAD_SECONDS = 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_killed_under_load_loses_no_acknowledged_signal(
    stack: Stack, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'killed.db'}"
    else:
        url = request.getfixturevalue("empty_postgres_url")
    warroom = start_warroom(stack, url, outage_config())
    wait_healthy(warroom.process, f"{warroom.url}/readyz")
    with Load(warroom, senders=4, pause=0.0) as load:
        time.sleep(LOAD_SECONDS)
        acked_before = len(load.acked())
        warroom.process.popen.kill()
        warroom.process.popen.wait(10)
        killed = time.monotonic()
        time.sleep(0.5)
    answers = load.snapshot()
    acked = load.acked()
    stored = stored_identities(url)
    lost = acked - stored
    statuses = Counter(a.status for a in answers)

    again = stack.restart(warroom)
    wait_healthy(again.process, f"{again.url}/readyz")
    restarted = time.monotonic() - killed
    assert readyz(again) == 200
    probes = probe_all(again)
    assert {route: a.status_code for route, a in probes.items()} == {
        "alertmanager webhook": 200,
        "alertmanager v2": 200,
        "pagerduty": 202,
        "webhook": 200,
        "heartbeat": 200,
        "sentry store": 200,
        "sentry envelope": 200,
    }
    stack.wait(lambda: unprocessed_signals(url) == 0, "every stored signal to be processed", 120)
    print(  # the figures of the report
        f"{backend}: signals sent {len(answers)}, acknowledged {len(acked)} "
        f"({acked_before} before the kill), stored {len(stored)}, acknowledged and lost "
        f"{len(lost)}; answers {dict(statuses)}; ready again {restarted:.1f} s after the kill"
    )
    assert acked_before > 0
    assert lost == set(), f"{len(lost)} acknowledged signals lost"
    assert set(statuses) <= {200, 202, None}, statuses
