"""WAL checkpoints off the request path, for a serving SQLite database.

In WAL mode with ``synchronous=NORMAL`` a commit does not wait for the disk; a checkpoint
(copying the WAL back into the database file) does, with an fsync. By default SQLite runs one
inside whichever commit grows the WAL past 1,000 pages — on the event loop, for ingest — and
that commit, and every request queued behind it, waits for the disk: on the bench machine
that made the paced p99 30-40 ms instead of ~10 ms. A serving process instead checkpoints
from a thread of its own, on its own connection (outside the pool and the write lock: a
``PASSIVE`` checkpoint runs beside readers and writers), every ``INTERVAL_SECONDS``; its
connections keep SQLite's automatic checkpoint only as a safety net, at
``SAFETY_NET_PAGES``, in case this thread falls behind.
See docs/decisions/0010-wal-checkpoints-in-the-background.md.
"""

from __future__ import annotations

import sqlite3
import threading

import structlog
from sqlalchemy import Engine, event

from warroom.db.engine import sqlite_file

log = structlog.get_logger("warroom.db.checkpoint")

INTERVAL_SECONDS = 0.25
SAFETY_NET_PAGES = 20_000
"""``wal_autocheckpoint`` of a serving process's connections (about 80 MB of WAL at 4 KiB
pages): reached only if the checkpointer thread stalls."""


def database_file(engine: Engine) -> str | None:
    """The SQLite file behind ``engine``; None for PostgreSQL and in-memory databases."""
    return sqlite_file(engine.url)


class Checkpointer:
    """``start()`` it beside a serving engine, ``stop()`` it before the engine's disposal."""

    def __init__(self, path: str, interval_seconds: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval_seconds = interval_seconds
        self.checkpoints = 0
        """How many checkpoints ran (tests, diagnostics)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Checkpointer:
        self._thread = threading.Thread(
            target=self._run, name="warroom-wal-checkpoint", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the WAL, frames checkpointed)."""
        busy, frames, done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        return int(busy), int(frames), int(done)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval_seconds):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error as exc:  # e.g. the file went away: the next try may do
                    log.warning("wal_checkpoint_failed", error=str(exc))
        finally:
            connection.close()


def checkpoint_in_background(engine: Engine, *, here: bool = True) -> Checkpointer | None:
    """Moves ``engine``'s WAL checkpoints to a thread (file-based SQLite only); None when
    there is nothing to do. Connections the engine opens from now on leave checkpoints to
    it; the pool's current ones are closed so that none keeps the old setting.
    ``here=False``: another process's thread checkpoints this database (the worker process
    of ``warroom serve``); this one's connections only leave checkpoints to it."""
    path = database_file(engine)
    if path is None:
        return None

    @event.listens_for(engine, "connect")
    def _safety_net_only(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")

    engine.dispose()
    return Checkpointer(path).start() if here else None
