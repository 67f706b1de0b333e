"""The SQLite write lock: first come, first served among threads, bounded, released however
a transaction ends, and shared with the other processes on the same database."""

from __future__ import annotations

import fcntl
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.db.engine import WriteLock, WriteLockBusy, make_engine, without_waiting


def test_waiters_get_the_lock_in_the_order_they_asked_for_it() -> None:
    lock = WriteLock(timeout_seconds=5)
    lock.acquire()
    order: list[str] = []

    def waiter(name: str) -> None:
        lock.acquire()
        order.append(name)
        lock.release()

    threads = []
    for name in ("first", "second", "third"):
        thread = threading.Thread(target=waiter, args=(name,))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each is queued before the next asks
    # The releasing thread asking again at once queues behind them instead of cutting in.
    lock.release()
    lock.acquire()
    order.append("releaser")
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second", "third", "releaser"]


def test_a_waiter_gives_up_after_the_timeout_like_sqlite_busy_timeout() -> None:
    lock = WriteLock(timeout_seconds=0.1)
    lock.acquire()
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        lock.acquire()
    assert 0.09 <= time.monotonic() - started < 2
    lock.release()
    lock.acquire()  # the one that gave up left no stale turn behind
    lock.release()


def test_the_lock_is_released_by_commit_rollback_and_a_connection_returned_to_the_pool(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.begin() as conn:  # committed
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(RuntimeError), engine.begin() as conn:  # rolled back
            conn.execute(text("INSERT INTO t VALUES (2)"))
            raise RuntimeError("abort")
        conn = engine.connect()
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (3)"))
        conn.close()  # neither: the pool's reset on return rolls back

        # Another thread can write at once each time: nobody kept the lock.
        result: list[int] = []

        def other() -> None:
            with engine.begin() as conn:
                result.append(conn.execute(text("SELECT count(*) FROM t")).scalar_one())

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
        assert result == [1]
    finally:
        engine.dispose()


HOLDER = """
import sys, time
from sqlalchemy import text
from warroom.db.engine import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO t VALUES (1)"))
    print("holding", flush=True)
    sys.stdin.readline()  # until the test says so
print("released", flush=True)
engine.dispose()
"""


@contextmanager
def another_process_writing(url: str) -> Iterator[subprocess.Popen[str]]:
    """A second process inside a write transaction on the same database until the block's
    end (or until the test writes a line to it)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "holding"
            yield holder
        finally:
            if holder.poll() is None:
                holder.stdin.write("\n")
                holder.stdin.flush()
            holder.wait(10)


def test_the_lock_spans_processes_and_a_waiter_gets_it_when_the_other_commits(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with another_process_writing(url) as holder:
            # The lock file next to the database is taken while the other transaction runs.
            with open(tmp_path / "shared.db-lock", "rb") as probe, pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited: list[float] = []

            def write() -> None:
                started = time.monotonic()
                with engine.begin() as conn:
                    waited.append(time.monotonic() - started)
                    conn.execute(text("INSERT INTO t VALUES (2)"))

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(0.3)
            assert waited == []  # still waiting for the other process
            assert holder.stdin is not None and holder.stdout is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "released"
            writer.join(10)
        assert len(waited) == 1 and waited[0] >= 0.3
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    finally:
        engine.dispose()


def test_without_waiting_refuses_at_once_when_another_process_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with another_process_writing(url):
            started = time.monotonic()
            with pytest.raises(WriteLockBusy), without_waiting(), engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            assert time.monotonic() - started < 1  # not SQLite's 10 s busy wait
        # The refused attempt left the lock free for this process's next writer.
        with without_waiting(), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (3)"))
    finally:
        engine.dispose()
