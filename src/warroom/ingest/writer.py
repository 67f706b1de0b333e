"""Group commit for ingest: the requests that are ready together share one transaction,
committed off the event loop by one writer thread when there is enough to share.

A request appends its rows and awaits a future. When no commit is running, the first
request of an event-loop turn schedules a flush for the end of that turn (``call_soon``). A
small group (under ``INLINE_ROWS`` rows, e.g. single-alert requests) commits right there on
the loop, as does every group on PostgreSQL; on SQLite a bigger one goes to the writer
thread, which inserts it in one transaction,
commits, and then resolves the futures on the loop. Requests that arrive meanwhile queue up
and go together in the next commit, as soon as this one is settled, or at once when they
reach ``FLUSH_ROWS`` rows so that the loop goes on parsing while the thread writes. A
sender's 2xx still means durable — each request waits for the commit that holds its rows —
and a busy server pays one commit per batch of requests.

The thread lets SQLite's work run on a second core beside the loop (the driver releases the
GIL inside SQLite). On SQLite a batch is one multi-row ``INSERT`` (up to
``MAX_ROWS_PER_STATEMENT`` rows, padded with NULL rows to a power of two so that a handful of
prepared statements serve every size): one statement step, so the thread waits for the GIL
a few times per commit rather than once per row (with ``executemany`` every row would wait
for the GIL the event loop holds: a convoy).
See docs/decisions/0008-ingest-commits-off-the-event-loop.md.
"""

from __future__ import annotations

import asyncio
import math
import queue
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from warroom.clock import as_utc
from warroom.db.engine import without_waiting
from warroom.db.outage import is_unavailable
from warroom.ingest.errors import INGEST_OUTAGE
from warroom.ingest.models import Signal

log = structlog.get_logger("warroom.ingest.writer")
COLUMNS = ("integration", "source", "action", "identity", "received_at", "data")
SWITCH_INTERVAL_SECONDS = 0.0005
"""The interpreter's GIL switch interval once the writer thread takes big batches (Python's
default is 5 ms): the thread needs the GIL a few times per commit, and each time it waits up
to this long for the busy event loop to let go (see the module's docstring). Not for the
small groups that go to the thread only because the write lock was taken: there the faster
switching would only slow the worker thread that holds the lock."""
INLINE_ROWS = 256
"""Fewer pending rows than this, and no commit running: commit on the loop, not the thread
(single-alert requests stay on the loop: measured, the hand-offs cost them more than the
second core gave back)."""
FLUSH_ROWS = 512
"""Pending rows that go to the writer thread at once, even while it commits: the loop keeps
parsing while it writes, rather than handing over every request of a busy turn together."""
MAX_ROWS_PER_STATEMENT = 2048
"""Rows of one multi-row INSERT on SQLite (6 parameters each, far below SQLite's limit)."""


def sqlite_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (see warroom.db.base.UTCDateTime)."""
    return as_utc(value).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _unchanged(value: datetime) -> datetime:
    return value


class SqliteTimes:
    """``sqlite_time`` for the hot path: isoformat is several times cheaper than strftime
    and gives the same text for years 1000 to 9999; and the text up to the second is made
    once per second (a busy intake formats the same second thousands of times: the
    microseconds alone are formatted per call)."""

    def __init__(self) -> None:
        self._last: tuple[float, str] = (math.nan, "")
        """(the second, as a timestamp, and its "YYYY-MM-DD HH:MM:SS"); one tuple, so
        that a thread reading it never sees one without the other."""

    def __call__(self, value: datetime) -> str:
        if value.tzinfo is not UTC:
            value = as_utc(value)
        second = value.timestamp() // 1
        last = self._last
        if last[0] != second:
            text = value.replace(microsecond=0, tzinfo=None).isoformat(" ")
            last = self._last = (second, text)
        return f"{last[1]}.{value.microsecond:06d}"


Row = tuple[str, str, str, str, Any, str]
"""Driver parameters of one signal, in ``COLUMNS`` order (see ``SignalWriter.row``)."""


AnyRow = tuple[Any, ...]
"""Driver parameters of a row of another table (``SignalWriter(table=..., columns=...)``)."""


@dataclass
class _Pending:
    rows: list[Row] | list[AnyRow]
    future: asyncio.Future[None]


_Job = tuple[asyncio.AbstractEventLoop, list[_Pending]] | None
"""A batch to commit and the loop its requests wait on; None stops the thread."""


class SignalWriter:
    """Group commit of rows into ``table`` (the signals, unless told otherwise: error items
    use it too, with ``ignore_conflicts`` so that a repeated event id is a no-op)."""

    def __init__(
        self,
        engine: Engine,
        *,
        table: str = Signal.__tablename__,
        columns: tuple[str, ...] = COLUMNS,
        ignore_conflicts: bool = False,
        inline_rows: int = INLINE_ROWS,
        flush_rows: int = FLUSH_ROWS,
    ) -> None:
        self.engine = engine
        self.inline_rows = inline_rows
        """Groups under this many rows commit on the loop (``INLINE_ROWS`` for signals)."""
        self.flush_rows = flush_rows
        self.table = table
        self.columns = columns
        self.ignore_conflicts = ignore_conflicts
        self._pending: list[_Pending] = []
        self._scheduled = False
        self._pending_rows = 0
        self._committing = 0
        """Batches with the writer thread. While there are any, requests queue up and go
        in the next commit (as soon as the last one is settled, or at ``FLUSH_ROWS``)."""
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        sqlite = engine.dialect.name == "sqlite"
        self.received = SqliteTimes() if sqlite else _unchanged
        """A receipt time as the driver takes it (SQLite: SQLAlchemy's text format)."""
        mark = "?" if sqlite else "%s"
        names = ", ".join(columns)
        self._sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})" + (
            " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        )
        self._sqlite = sqlite
        self._threaded = sqlite
        """Only SQLite commits on the writer thread: its driver releases the GIL for a whole
        multi-row INSERT; PostgreSQL's ``executemany`` would take the GIL back per row."""
        self._multi_sql: dict[int, str] = {}
        """SQLite: the multi-row INSERT of each padded size."""

    @staticmethod
    def row(
        integration: str, source: str, action: str, identity: str, received: Any, data_json: str
    ) -> Row:
        """``received`` comes from ``self.received``; NUL characters leave the identity."""
        if "\x00" in identity:
            identity = identity.replace("\x00", "")
        return (integration, source, action, identity[:255], received, data_json)

    async def write(self, rows: list[dict[str, Any]]) -> None:
        """Returns once the rows are committed; raises what the commit raised."""
        await self.write_rows(
            [
                self.row(
                    row["integration"],
                    row["source"].value,
                    row["action"].value,
                    row["identity"],
                    self.received(row["received_at"]),
                    row["data_json"],
                )
                for row in rows
            ]
        )

    async def write_rows(self, rows: list[Row] | list[AnyRow]) -> None:
        """``write`` for rows already in driver form (the ingest fast path)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Pending(rows, future))
        self._pending_rows += len(rows)
        if self._pending_rows >= self.flush_rows and self._threaded:
            self._flush(loop)
        elif not self._scheduled and not self._committing:
            self._scheduled = True
            loop.call_soon(self._end_of_turn, loop)
        await future

    def _end_of_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        if not self._committing:
            self._start(loop)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        """No commit is running: a small group commits right here on the loop (the
        hand-off to the thread and back would cost it more latency than it saves) if the
        SQLite write lock is free at once; a bigger one, or one that finds the lock taken,
        goes to the writer thread (the loop never waits for the lock)."""
        if not self._pending:
            return
        if self._pending_rows >= self.inline_rows and self._threaded:
            self._flush(loop)
            return
        if not self._threaded:
            batch, self._pending, self._pending_rows = self._pending, [], 0
            self._resolve(batch, self._commit_batch(batch))
            return
        try:
            with without_waiting():
                self._commit([row for p in self._pending for row in p.rows])
        except Exception:
            # The write lock is taken (by a request's session, the worker...) or the batch
            # failed: the writer thread waits for the lock, or commits request by request,
            # while the loop goes on — the holder may need the loop to give the lock back.
            self._flush(loop, busy=False)
            return
        batch, self._pending, self._pending_rows = self._pending, [], 0
        self._resolve(batch, [None] * len(batch))

    def _flush(self, loop: asyncio.AbstractEventLoop, *, busy: bool = True) -> None:
        """On the loop: hand everything pending to the writer thread. ``busy``: ingest is
        heavy enough for the thread to share the work (the GIL switches faster then); not
        for a small group that only found the write lock taken."""
        if not self._pending:
            return
        batch, self._pending, self._pending_rows = self._pending, [], 0
        self._committing += 1
        self._ensure_thread()
        if busy and sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        self._jobs.put((loop, batch))

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="warroom-signal-writer", daemon=True
                )
                self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stops the writer thread once the batches handed to it are committed (a later
        write starts a new one)."""
        with self._thread_lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._jobs.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        """The writer thread: commit each batch, then settle its futures on the loop."""
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, batch = job
            outcomes = self._commit_batch(batch)
            try:
                loop.call_soon_threadsafe(self._settle, loop, batch, outcomes)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                self._committing = 0

    def _settle(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Pending],
        outcomes: list[BaseException | None],
    ) -> None:
        """On the loop: answer the batch's requests; the rows that queued up meanwhile go
        next once no commit is left."""
        self._committing = max(0, self._committing - 1)
        self._resolve(batch, outcomes)
        if not self._committing:
            self._start(loop)

    @staticmethod
    def _resolve(batch: list[_Pending], outcomes: list[BaseException | None]) -> None:
        for pending, error in zip(batch, outcomes, strict=True):
            if pending.future.done():
                continue
            if error is None:
                pending.future.set_result(None)
            else:
                pending.future.set_exception(error)

    def _commit_batch(self, batch: list[_Pending]) -> list[BaseException | None]:
        """One transaction for the whole batch; if it fails, one per request, so one
        request's bad row does not fail the others that shared the commit (unless the
        database is away: then every request of the batch gets that error at once)."""
        try:
            self._commit([row for p in batch for row in p.rows])
        except Exception as exc:
            if is_unavailable(exc):  # not a row's fault: one attempt is enough to know
                INGEST_OUTAGE.failed(exc)
                return [exc] * len(batch)
            return [self._commit_one(pending) for pending in batch]
        return [None] * len(batch)

    def _commit_one(self, pending: _Pending) -> BaseException | None:
        try:
            self._commit(pending.rows)
        except Exception as exc:
            if is_unavailable(exc):  # logged once per outage, where it is answered with 503
                INGEST_OUTAGE.failed(exc)
            else:
                log.exception("signal_write_failed", rows=len(pending.rows))
            return exc
        return None

    def _commit(self, rows: list[AnyRow]) -> None:
        with self.engine.begin() as conn:
            self._insert(conn, rows)
        INGEST_OUTAGE.succeeded()

    def _insert(self, conn: Connection, rows: list[AnyRow]) -> None:
        """Straight to the driver: the rows are plain values already, so SQLAlchemy's
        per-value type processing (a third of the cost) is skipped. SQLite: multi-row
        INSERTs (see the module's docstring); otherwise one ``executemany``."""
        if not self._sqlite:
            conn.exec_driver_sql(self._sql, rows)
            return
        for start in range(0, len(rows), MAX_ROWS_PER_STATEMENT):
            chunk = rows[start : start + MAX_ROWS_PER_STATEMENT]
            size = 1 << (len(chunk) - 1).bit_length()
            params = [value for row in chunk for value in row]
            params.extend([None] * (len(self.columns) * (size - len(chunk))))
            inserted = conn.exec_driver_sql(self._multi_insert(size), tuple(params)).rowcount
            if inserted != len(chunk) and not self.ignore_conflicts:
                # a row with a NULL first column would be left out
                raise ValueError(f"{len(chunk) - inserted} signal rows were not inserted")

    def _multi_insert(self, size: int) -> str:
        """``size`` rows of parameters; the NULL rows that pad a batch are left out."""
        sql = self._multi_sql.get(size)
        if sql is None:
            row = f"({', '.join(['?'] * len(self.columns))})"
            sql = self._multi_sql[size] = (
                f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
                f"SELECT * FROM (VALUES {', '.join([row] * size)}) WHERE column1 IS NOT NULL"
                + (" ON CONFLICT DO NOTHING" if self.ignore_conflicts else "")
            )
        return sql
