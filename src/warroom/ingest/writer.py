"""Group commit for ingest: requests hand their signal rows to one writer thread, which
inserts everything waiting in one transaction and then answers all those requests.

A sender's 2xx still means durable — each request waits for the commit that holds its
rows — but a busy server pays for one commit per batch of requests instead of one per
request, and the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import Connection, Engine

from warroom.clock import as_utc
from warroom.ingest.models import Signal

log = structlog.get_logger("warroom.ingest.writer")
MAX_ROWS_PER_COMMIT = 5000
COLUMNS = ("integration", "source", "action", "identity", "received_at", "data")


def sqlite_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (see warroom.db.base.UTCDateTime)."""
    return as_utc(value).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class _Pending:
    rows: list[dict[str, Any]]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop = field(repr=False)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class SignalWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="warroom-signal-writer", daemon=True
                )
                self._thread.start()

    async def write(self, rows: list[dict[str, Any]]) -> None:
        """Returns once the rows are committed; raises what the commit raised."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Pending(rows, future, loop))
        await future

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(10)

    def _take(self, first: _Pending) -> tuple[list[_Pending], bool]:
        batch, rows, stop = [first], len(first.rows), False
        while rows < MAX_ROWS_PER_COMMIT:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stop = True
                break
            batch.append(item)
            rows += len(item.rows)
        return batch, stop

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

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._take(first)
            error: BaseException | None = None
            try:
                with self.engine.begin() as conn:
                    self._insert(conn, [row for p in batch for row in p.rows])
            except Exception as exc:
                log.exception("signal_write_failed", requests=len(batch))
                error = exc
            for pending in batch:
                pending.loop.call_soon_threadsafe(_settle, pending.future, error)
            if stop:
                return
