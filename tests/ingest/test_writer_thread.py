"""The group-commit writer commits on its own thread: durable before the answer, one bad
request does not fail the others of its batch, big turns are split, and it stops cleanly."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from warroom.db.engine import make_engine
from warroom.db.migrate import upgrade
from warroom.ingest import writer as writer_module
from warroom.ingest.models import Signal
from warroom.ingest.writer import Row, SignalWriter


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'writer.db'}")
    upgrade(engine)
    return engine


def rows(writer: SignalWriter, prefix: str, count: int, integration: str = "am") -> list[Row]:
    received = writer.received(writer_module.datetime(2026, 3, 2, 9, 0))
    return [
        writer.row(integration, "alertmanager", "trigger", f"{prefix}-{i}", received, "{}")
        for i in range(count)
    ]


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Signal)).scalar_one())


def test_every_answered_row_is_committed_and_a_bad_request_fails_alone(engine: Engine) -> None:
    writer = SignalWriter(engine)
    sizes = [1, 3, 64, 700, 2100, 5]  # one request above FLUSH_ROWS, one above a statement

    async def run() -> list[BaseException | None]:
        good = [writer.write_rows(rows(writer, f"r{n}", size)) for n, size in enumerate(sizes)]
        bad = writer.write_rows(rows(writer, "bad", 2, integration=None))  # type: ignore[arg-type]
        results = await asyncio.gather(*good, bad, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    outcomes = asyncio.run(run())
    assert outcomes[:-1] == [None] * len(sizes)
    assert outcomes[-1] is not None
    assert stored(engine) == sum(sizes)
    writer.close()
    assert writer._thread is None
    asyncio.run(writer.write_rows(rows(writer, "after-close", 2)))  # a new thread starts
    assert stored(engine) == sum(sizes) + 2
    writer.close()
    engine.dispose()


def test_stored_values_are_the_rows(engine: Engine) -> None:
    writer = SignalWriter(engine)
    [row] = rows(writer, "exact", 1)
    asyncio.run(writer.write_rows([row]))
    writer.close()
    with engine.connect() as conn:
        got = conn.exec_driver_sql(
            "SELECT integration, source, action, identity, received_at, data FROM signals"
        ).one()
    assert tuple(got) == row
    engine.dispose()


def test_the_loop_never_waits_for_a_write_lock_whose_holder_needs_the_loop(
    engine: Engine,
) -> None:
    """A request's session holds the SQLite write lock until a step the event loop runs
    (FastAPI closes it after the handler): a small ingest batch that waited for the lock on
    the loop would stall every request for the lock's 10 s timeout and then fail."""
    writer = SignalWriter(engine)
    holding = threading.Event()
    give_back = threading.Event()

    def request_session() -> None:
        with engine.begin() as conn:  # takes the write lock
            conn.exec_driver_sql("SELECT 1")
            holding.set()
            assert give_back.wait(15)

    holder = threading.Thread(target=request_session)
    holder.start()
    assert holding.wait(5)

    async def run() -> float:
        started = time.monotonic()
        write = asyncio.ensure_future(writer.write_rows(rows(writer, "small", 1)))
        await asyncio.sleep(0.05)  # the loop turns: the write could not have blocked it
        loop_free_after = time.monotonic() - started
        give_back.set()  # what the request's clean-up step does, run by the loop
        await asyncio.wait_for(write, 10)
        return loop_free_after

    loop_free_after = asyncio.run(run())
    holder.join(5)
    assert loop_free_after < 2, f"the loop was blocked {loop_free_after:.1f} s"
    assert stored(engine) == 1
    writer.close()
    engine.dispose()
