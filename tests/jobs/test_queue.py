"""Durable jobs: run once when due, retried with backoff on failure, pruned when old."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.clock import FakeClock
from warroom.config import Config
from warroom.db.engine import make_session_factory
from warroom.jobs.models import Job, JobStatus
from warroom.jobs.queue import run_one, schedule


def test_a_job_runs_once_when_due_and_a_failing_one_is_retried(engine: Engine) -> None:
    clock = FakeClock()
    calls: list[str] = []

    def ok(_s: Session, _c: Config, payload: dict[str, Any], _now: Any) -> None:
        calls.append(payload["name"])

    def broken(_s: Session, _c: Config, _p: dict[str, Any], _now: Any) -> None:
        raise RuntimeError("receiver down")

    handlers = {"ok": ok, "broken": broken}
    factory = make_session_factory(engine)
    with factory() as session:
        schedule(session, "ok", clock() + timedelta(minutes=1), clock(), {"name": "a"}, key="k1")
        assert schedule(session, "ok", clock(), clock(), {"name": "b"}, key="k1") is None
        schedule(session, "broken", clock(), clock())
        session.commit()
    config = Config()
    with factory() as session:
        assert run_one(session, handlers, config, clock())  # the broken one is due
    with factory() as session:
        assert not run_one(session, handlers, config, clock())
    assert calls == []
    clock.advance(minutes=1)  # both due now: the retry (after its backoff) and "a"
    for _ in range(2):
        with factory() as session:
            assert run_one(session, handlers, config, clock())
    with factory() as session:
        assert not run_one(session, handlers, config, clock())
    assert calls == ["a"]
    with factory() as session:
        jobs = {j.kind: j for j in session.scalars(select(Job))}
        assert jobs["ok"].status is JobStatus.DONE
        assert jobs["broken"].status is JobStatus.PENDING
        assert jobs["broken"].attempts == 2
        assert jobs["broken"].last_error == "RuntimeError: receiver down"
        assert jobs["broken"].due_at > clock()


def test_a_job_whose_writes_break_a_constraint_fails_and_is_retried(engine: Engine) -> None:
    clock = FakeClock()
    factory = make_session_factory(engine)
    with factory() as session:
        schedule(session, "later", clock() + timedelta(days=1), clock(), key="taken")
        schedule(session, "writes", clock(), clock())
        session.commit()

    def writes(session: Session, _c: Config, _p: dict[str, Any], now: Any) -> None:
        # Bypasses schedule()'s check: the unique key fails when the row is written.
        session.add(
            Job(kind="dup", key="taken", due_at=now, status=JobStatus.PENDING, created_at=now)
        )

    with factory() as session:
        assert run_one(session, {"writes": writes}, Config(), clock())
    with factory() as session:
        failed = session.scalar(select(Job).where(Job.kind == "writes"))
        assert failed is not None
        assert failed.status is JobStatus.PENDING
        assert failed.attempts == 1
        assert failed.last_error is not None and "IntegrityError" in failed.last_error
        assert failed.due_at > clock()
        assert [job.kind for job in session.scalars(select(Job).where(Job.key == "taken"))] == [
            "later"
        ]
