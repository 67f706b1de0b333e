"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


class WriteLockBusy(Exception):
    """A transaction begun under ``without_waiting`` found the write lock taken."""


_no_wait = threading.local()


@contextmanager
def without_waiting() -> Iterator[None]:
    """Transactions begun on this thread inside the block raise ``WriteLockBusy`` at once
    instead of waiting for the write lock. For the event loop: waiting there would block
    it, and the holder may be a request whose session is only closed — and the lock given
    back — by a step the loop has yet to run (a 10-second stall, then an error)."""
    previous = getattr(_no_wait, "active", False)
    _no_wait.active = True
    try:
        yield
    finally:
        _no_wait.active = previous


class WriteLock:
    """One process-wide lock per SQLite database, taken before ``BEGIN IMMEDIATE`` and given
    back right after the transaction ends.

    SQLite lets one writer in at a time and makes the others wait in its busy handler, which
    sleeps in steps of up to 100 ms: the ingest writer and the worker threads, queueing that
    way, lost most of their time asleep after the lock was already free. A Python lock hands
    over at once. Not owned by a thread: a request's session may begin on one thread of the
    pool and commit on another. First come, first served: a plain lock lets the thread that
    just released it take it again before a waiter wakes, and the worker, running transaction
    after transaction, starved the ingest writer that way. A thread that opens a second
    transaction while it holds one waits the same bounded time SQLite's busy timeout made it
    wait before, and fails the same way.
    See docs/decisions/0007-sqlite-write-lock-and-outbox-thread.md."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(self.timeout_seconds):
            return  # handed over by release()
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return
            self._waiters.remove(turn)
        raise sqlite3.OperationalError("database is locked (waited for the write lock)")

    def try_acquire(self) -> bool:
        """Takes the lock if it is free and nobody is queued for it; never waits."""
        with self._mutex:
            if self._held or self._waiters:
                return False
            self._held = True
            return True

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # still held: it passes to the next in line
            else:
                self._held = False


def _locking_connection_class(lock: WriteLock) -> type[sqlite3.Connection]:
    class LockingConnection(sqlite3.Connection):
        """Gives the write lock back after COMMIT or ROLLBACK, however they are reached
        (the session, the pool's reset on return, or ``close``)."""

        holds_write_lock = False

        def take_write_lock(self) -> None:
            if self.holds_write_lock:
                return
            if getattr(_no_wait, "active", False):
                if not lock.try_acquire():
                    raise WriteLockBusy("the SQLite write lock is taken")
            else:
                lock.acquire()
            self.holds_write_lock = True

        def _give_back(self) -> None:
            if self.holds_write_lock:
                self.holds_write_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._give_back()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._give_back()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._give_back()

    return LockingConnection


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-locking transactions."""
    json_options: dict[str, Any] = {
        "json_serializer": json_dumps,
        "json_deserializer": orjson.loads,
    }
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **json_options)
    write_lock = WriteLock(SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "factory": _locking_connection_class(write_lock),
        },
        **json_options,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy drive transactions so BEGIN IMMEDIATE below takes effect.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout
        # instead of failing with "database is locked" when a reader upgrades; the
        # process-wide write lock in front of it hands over without SQLite's sleeps.
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_write_lock()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.rollback()
            raise

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
