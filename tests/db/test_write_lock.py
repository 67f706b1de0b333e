"""The process-wide SQLite write lock: first come, first served, bounded, and released
however a transaction ends."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.db.engine import WriteLock, make_engine


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
