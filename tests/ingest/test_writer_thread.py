"""The group-commit writer commits on its own thread: durable before the answer, one bad
request does not fail the others of its batch, big turns are split, and it stops cleanly."""

from __future__ import annotations

import asyncio
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
