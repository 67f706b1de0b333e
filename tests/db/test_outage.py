"""Which errors mean "the database is away", and the one log line per outage."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import NullPool
from structlog.testing import capture_logs

from tests.support.postgres import free_port
from warroom.db.outage import Outage, is_unavailable


def raised(url: str, *statements: str) -> BaseException:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    except Exception as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("nothing was raised")


def test_a_refused_postgresql_connection_is_unavailable() -> None:
    error = raised(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none", "SELECT 1")
    assert isinstance(error, OperationalError)
    assert is_unavailable(error)


def test_a_full_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    error = raised(
        url,
        "CREATE TABLE t (b BLOB)",
        "PRAGMA max_page_count = 3",
        "INSERT INTO t VALUES (zeroblob(100000))",
    )
    assert "full" in str(error)
    assert is_unavailable(error)


def test_an_error_raised_from_an_unavailable_one_is_unavailable() -> None:
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as inner:
            raise RuntimeError("the commit failed") from inner
    except RuntimeError as outer:
        assert is_unavailable(outer)


@pytest.mark.parametrize(
    "statements",
    [
        ("SELECT * FROM no_such_table",),
        ("CREATE TABLE t (a INTEGER UNIQUE)", *["INSERT INTO t VALUES (1)"] * 2),
        ("SELEKT 1",),
    ],
    ids=["missing table", "integrity", "syntax"],
)
def test_a_bug_is_not_an_outage(tmp_path: Path, statements: tuple[str, ...]) -> None:
    error = raised(f"sqlite:///{tmp_path / 'bug.db'}", *statements)
    assert not is_unavailable(error)


def test_an_integrity_error_on_postgresql_is_not_an_outage(database_url: str) -> None:
    error = raised(
        database_url,
        "CREATE TABLE outage_t (a INTEGER UNIQUE)",
        "INSERT INTO outage_t VALUES (1)",
        "INSERT INTO outage_t VALUES (1)",
    )
    assert isinstance(error, IntegrityError)
    assert not is_unavailable(error)


def test_an_outage_is_logged_once_and_its_end_once() -> None:
    outage = Outage("test")
    error = sqlite3.OperationalError("database or disk is full")
    with capture_logs() as logs:
        outage.succeeded()
        for _ in range(5):
            outage.failed(error)
        assert outage.ongoing
        for _ in range(3):
            outage.succeeded()
        outage.failed(error)
    assert [(e["event"], e["part"]) for e in logs] == [
        ("database_unavailable", "test"),
        ("database_available", "test"),
        ("database_unavailable", "test"),
    ]
    assert logs[0]["message"] == "database unavailable, retrying"
    assert logs[0]["error"] == "OperationalError: database or disk is full"
    assert logs[0]["log_level"] == "error"
    assert logs[1]["unavailable_seconds"] >= 0
