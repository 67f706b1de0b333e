"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
"""A PostgreSQL server that does not answer (a failover in progress) fails a connection
attempt after this long, rather than hanging a request past its sender's deadline."""
POSTGRES_POOL_TIMEOUT_SECONDS = 10
"""Longest wait for a pooled connection: then the request fails (503), not hangs."""


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
    """One lock per SQLite database, taken before ``BEGIN IMMEDIATE`` and given back right
    after the transaction ends: first among the threads of the process, then, with a lock
    file, among the processes sharing the database.

    SQLite lets one writer in at a time and makes the others wait in its busy handler, which
    sleeps in steps of up to 100 ms: the ingest writer and the worker threads, queueing that
    way, lost most of their time asleep after the lock was already free. A Python lock hands
    over at once. Not owned by a thread: a request's session may begin on one thread of the
    pool and commit on another. First come, first served: a plain lock lets the thread that
    just released it take it again before a waiter wakes, and the worker, running transaction
    after transaction, starved the ingest writer that way. A thread that opens a second
    transaction while it holds one waits the same bounded time SQLite's busy timeout made it
    wait before, and fails the same way.

    Across processes (``warroom serve`` and its worker process, or a ``warroom worker`` beside
    it) the holder of the process's turn also takes ``flock`` on ``lock_file``: the kernel
    wakes a waiting process the moment the holder lets go (and drops the lock of a process
    that dies), where SQLite's busy handler would sleep. ``flock`` is not fair: a process
    running transaction after transaction (the worker) takes it again before the woken
    waiter runs, and starved ``warroom serve``'s ingest for seconds that way. So a process
    first takes a second lock, ``<lock_file>-queue``, and holds it while it waits for the
    first: the holder, coming back, queues behind it there, and the two alternate.
    See docs/decisions/0007-sqlite-write-lock-and-outbox-thread.md and
    docs/decisions/0011-worker-process.md."""

    def __init__(self, timeout_seconds: float, lock_file: str | None = None) -> None:
        self.timeout_seconds = timeout_seconds
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()
        self.lock_file = lock_file
        self._file: int | None = None
        self._queue: int | None = None
        """Both opened by the first transaction (only the turn's holder touches them)."""

    def _locked_file(self, flags: int) -> bool:
        """flock on the lock file, in line behind the processes already waiting for it:
        False if ``LOCK_NB`` found either taken; True without a file."""
        if self.lock_file is None:
            return True
        if self._file is None or self._queue is None:
            mode = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            self._queue = os.open(f"{self.lock_file}-queue", mode, 0o600)
            self._file = os.open(self.lock_file, mode, 0o600)
        try:
            fcntl.flock(self._queue, fcntl.LOCK_EX | flags)
        except BlockingIOError:
            return False
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | flags)
        except BlockingIOError:
            return False
        finally:
            fcntl.flock(self._queue, fcntl.LOCK_UN)
        return True

    def acquire(self) -> None:
        self._take_turn()
        try:
            self._locked_file(0)
        except BaseException:
            self._pass_turn()
            raise

    def _take_turn(self) -> None:
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
        try:
            if self._locked_file(fcntl.LOCK_NB):
                return True
        except BaseException:
            self._pass_turn()
            raise
        self._pass_turn()  # another process writes
        return False

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._pass_turn()

    def _pass_turn(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # still held: it passes to the next in line
            else:
                self._held = False

    def close(self) -> None:
        """Closes the lock file (the engine's disposal); the next transaction reopens it."""
        with self._mutex:
            if self._held:
                return
            for fd in (self._file, self._queue):
                if fd is not None:
                    os.close(fd)
            self._file = self._queue = None


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


def sqlite_file(url: str | URL) -> str | None:
    """The file of a SQLite URL; None for PostgreSQL, in-memory and ``file:`` URI databases."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else database


def json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-locking transactions."""
    json_options: dict[str, Any] = {
        "json_serializer": json_dumps,
        "json_deserializer": orjson.loads,
    }
    if not is_sqlite(url):
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            pool_timeout=POSTGRES_POOL_TIMEOUT_SECONDS,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
            **json_options,
        )
    database = sqlite_file(url)
    write_lock = WriteLock(
        SQLITE_BUSY_TIMEOUT_MS / 1000, f"{database}-lock" if database is not None else None
    )
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

    @event.listens_for(engine, "engine_disposed")
    def _on_dispose(_engine: Engine) -> None:
        write_lock.close()

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
