"""A database that goes away and comes back, in-process, on both backends.

PostgreSQL: the database stops accepting connections (``ALLOW_CONNECTIONS false``) and its
open connections are terminated, as in a failover; new connections are refused by the real
server. SQLite: every connection caps the file at its current size
(``PRAGMA max_page_count``), so the next write that needs a page fails with SQLite's own
"database or disk is full", as on a full disk. Leaving the block gives it back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@contextmanager
def database_away(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        with _sqlite_full(engine):
            yield
    else:
        with _postgres_refusing(engine):
            yield


@contextmanager
def _sqlite_full(engine: Engine) -> Iterator[None]:
    """Caps every connection at the file's size, after a filler table took every free
    byte of it (else a small write would still fit in a page with room)."""
    path = make_url(engine.url).database
    assert path, "a SQLite file"

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    engine.dispose()
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE outage_filler (b BLOB)")
        cap(conn, None)
        for size in (4000, 400, 40, 1):
            try:
                while True:
                    conn.execute("INSERT INTO outage_filler VALUES (zeroblob(?))", (size,))
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc), exc
    event.listen(engine, "connect", cap)
    try:
        yield
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()
        with sqlite3.connect(path, isolation_level=None) as conn:
            conn.execute("DROP TABLE outage_filler")


@contextmanager
def _postgres_refusing(engine: Engine) -> Iterator[None]:
    url = make_url(engine.url)
    name = url.database
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
