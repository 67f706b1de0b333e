"""Group commit for ingest: every request that is ready in one turn of the event loop
shares one transaction.

A request appends its rows and awaits a future; the first one of a turn schedules a flush
for the end of that turn (``call_soon``), which inserts everything pending with one
``executemany`` straight to the driver, commits, and then resolves every future. A sender's
2xx still means durable — each request waits for the commit that holds its rows — but a
busy server pays one commit per batch of requests, and no thread hand-off (and so no GIL
convoy between threads) sits on the hot path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import Connection, Engine

from warroom.clock import as_utc
from warroom.ingest.models import Signal

log = structlog.get_logger("warroom.ingest.writer")
COLUMNS = ("integration", "source", "action", "identity", "received_at", "data")


def sqlite_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (see warroom.db.base.UTCDateTime)."""
    return as_utc(value).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class _Pending:
    rows: list[dict[str, Any]]
    future: asyncio.Future[None]


class SignalWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: list[_Pending] = []
        self._scheduled = False

    async def write(self, rows: list[dict[str, Any]]) -> None:
        """Returns once the rows are committed; raises what the commit raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Pending(rows, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            with self.engine.begin() as conn:
                self._insert(conn, [row for p in batch for row in p.rows])
        except Exception as exc:
            log.exception("signal_write_failed", requests=len(batch))
            error = exc
        for pending in batch:
            if pending.future.done():
                continue
            if error is None:
                pending.future.set_result(None)
            else:
                pending.future.set_exception(error)

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """One executemany straight to the driver: the rows are plain values already, so
        SQLAlchemy's per-value type processing (a third of the cost) is skipped."""
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        sql = (
            f"INSERT INTO {Signal.__tablename__} ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(COLUMNS))})"
        )
        params = [
            (
                row["integration"],
                row["source"].value,
                row["action"].value,
                row["identity"],
                sqlite_time(row["received_at"]) if sqlite else row["received_at"],
                orjson.dumps(row["data"]).decode(),
            )
            for row in rows
        ]
        conn.exec_driver_sql(sql, params)
