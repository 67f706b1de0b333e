"""The database is unavailable: which errors say so, and one log line per outage.

PostgreSQL stopped, restarting or failing over, a connection reset under a pooled
connection, a pool that cannot hand out a connection in time, a SQLite file on a full disk
or one held locked too long: the caller can do nothing but wait and try again. Ingest
answers 503 with ``Retry-After``, the API 503, the worker and the outbox back off and
resume on their own. Any other error is a bug and stays a 500 / a logged traceback.

``Outage`` remembers, per process and per part (``ingest``, ``worker``, ``outbox`` …),
whether the database is known to be away, so an outage logs one ``database_unavailable``
line when it begins and one ``database_available`` line when it ends, not one per request
or round.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import structlog
from sqlalchemy import exc as sa_exc

log = structlog.get_logger("warroom.db")

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` of a 503 while the database is away: a PostgreSQL restart or a
failover takes seconds; Alertmanager and the Sentry SDKs wait at least this long."""

SQLITE_UNAVAILABLE = ("database or disk is full", "disk i/o error", "database is locked")
"""Messages of ``sqlite3.OperationalError`` that mean "try again later" (full disk, a lost
file system, a write lock held past the busy timeout); others (no such table…) are bugs."""

_SQLALCHEMY = (sa_exc.DisconnectionError, sa_exc.TimeoutError)
"""Raised by the pool itself: a connection found dead, or none free in ``pool_timeout``."""


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from) means the database is away."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, _SQLALCHEMY):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return _driver_unavailable(error.orig)
    return _driver_unavailable(error)


def _driver_unavailable(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return any(text in message for text in SQLITE_UNAVAILABLE)
    if isinstance(error, sqlite3.Error):
        return False
    # PostgreSQL (psycopg): the PEP 249 classes for a lost or refused connection; an
    # OperationalError there is a server gone, shutting down, or out of connections.
    name = type(error).__name__
    module = type(error).__module__
    return module.startswith("psycopg") and name in ("OperationalError", "InterfaceError")


class Outage:
    """Whether the database is away, as one part of the process last saw it."""

    def __init__(self, part: str) -> None:
        self.part = part
        self._lock = threading.Lock()
        self._since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException, **fields: object) -> None:
        """The database refused ``part``: logs ``database_unavailable`` once per outage."""
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        log.error(
            "database_unavailable",
            part=self.part,
            message="database unavailable, retrying",
            error=_describe(error),
            **fields,
        )

    def succeeded(self) -> None:
        """The database answered ``part`` again: logs ``database_available`` once."""
        if self._since is None:  # the common case, without the lock
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.warning(
                "database_available",
                part=self.part,
                message="database available again",
                unavailable_seconds=round(time.monotonic() - since, 3),
            )


def _describe(error: BaseException) -> str:
    """The driver's first line (the full text of a psycopg error spans several lines)."""
    inner = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig else error
    first = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {first[0] if first else ''}"[:300]
