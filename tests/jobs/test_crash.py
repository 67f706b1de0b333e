"""A worker killed in the middle of a job loses nothing and doubles nothing: the job's
transaction never committed, so the job is still pending and runs again, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.db.engine import make_session_factory
from warroom.jobs.models import Job, JobStatus
from warroom.jobs.queue import run_one, schedule

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARTUP_SECONDS = 180
"""Generous: a loaded CI machine may take long to start Python and import warroom."""

CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from warroom.config import Config
    from warroom.db.engine import make_engine, make_session_factory
    from warroom.jobs.queue import run_one, schedule

    url, started = sys.argv[1], Path(sys.argv[2])

    def page(session, config, payload, now):
        schedule(session, "effect", now, now, {"of": payload["n"]}, key="effect:1")
        session.flush()
        started.write_text("in the middle")
        time.sleep(120)  # killed here, after writing, before the commit

    factory = make_session_factory(make_engine(url))
    with factory() as session:
        run_one(session, {"page": page}, Config(), datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    """
)


def effect(session: Session, _config: Config, payload: dict[str, Any], now: datetime) -> None:
    schedule(session, "effect", now, now, {"of": payload["n"]}, key="effect:1")


@pytest.mark.slow
def test_a_job_killed_mid_run_runs_again_exactly_once(engine: Engine, tmp_path: Path) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        schedule(session, "page", NOW, NOW, {"n": 1}, key="page:1")
        session.commit()
    started = tmp_path / "started"
    url = engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(started)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not started.exists():
            assert child.poll() is None, "the worker exited before it was killed"
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    # PostgreSQL releases the dead worker's row lock when it notices the closed connection.
    deadline = time.monotonic() + STARTUP_SECONDS
    handlers = {"page": effect}
    while True:
        with factory() as session:
            if run_one(session, handlers, Config(), NOW):
                break
        assert time.monotonic() < deadline, "the killed worker's job never became claimable"
        time.sleep(0.1)
    with factory() as session:
        jobs = {job.kind: job for job in session.scalars(select(Job))}
        assert set(jobs) == {"page", "effect"}
        assert jobs["page"].status is JobStatus.DONE
        assert jobs["page"].attempts == 0  # the killed attempt left no trace
        assert jobs["effect"].payload == {"of": 1}
