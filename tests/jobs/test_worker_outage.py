"""The worker's loops while the database is away: one log line, backoff, and a resume
without a restart."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from structlog.testing import capture_logs

from tests.conftest import TEST_CONFIG
from tests.support.clock import FakeClock
from tests.support.postgres import free_port
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.jobs.worker import MAX_BACKOFF_SECONDS, Worker

POLL_SECONDS = 0.02
AWAY_SECONDS = 1.0


def test_the_worker_logs_once_backs_off_and_resumes_by_itself(engine: Engine) -> None:
    refused = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none", poolclass=NullPool
    )
    rounds: list[str] = []

    def stage(session_factory: sessionmaker[Session], _live: LiveConfig, _now: datetime) -> int:
        try:
            with session_factory() as session:
                session.execute(text("SELECT 1"))
        except Exception:
            rounds.append("failed")
            raise
        rounds.append("ok")
        return 0

    worker = Worker(
        make_session_factory(refused),
        LiveConfig(TEST_CONFIG),
        FakeClock(),
        handlers={},
        stages=[stage],
        poll_seconds=POLL_SECONDS,
    )
    with capture_logs() as logs:
        worker.start(outbox=False)
        time.sleep(AWAY_SECONDS)
        failed = rounds.count("failed")
        worker.session_factory = make_session_factory(engine)
        deadline = time.monotonic() + MAX_BACKOFF_SECONDS + 5
        while "ok" not in rounds and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.stop()
    refused.dispose()

    assert "ok" in rounds
    # Without backoff it would have run AWAY_SECONDS / POLL_SECONDS = 50 rounds: with it,
    # 0.02 + 0.04 + 0.08 + 0.16 + 0.32 + 0.64 > 1 s, so at most 6 or 7.
    assert 2 <= failed <= 7, failed
    events = [(e["event"], e.get("part")) for e in logs if e["event"].startswith("database")]
    assert events == [
        ("database_unavailable", "warroom-worker"),
        ("database_available", "warroom-worker"),
    ]
    assert not [e for e in logs if e["event"] == "worker_round_failed"]
